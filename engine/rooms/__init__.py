"""A class room: a teacher's room that learners join with a code, and what they send to it.

Pure (no Streamlit): :mod:`.secrets` makes codes and keys and limits attempts, :mod:`.store` keeps rooms
in a database (SQLite by default, any SQLAlchemy URL for a server), :mod:`.views` turns a room's events
into what the teacher sees (tables a page charts, the CSV export).
"""
