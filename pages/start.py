"""Page 0: the start page, the course as a path through the app (``ui.course.start``)."""

from ui.app import enter_page
from ui.course import start

enter_page()
start.show()
