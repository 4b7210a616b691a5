"""Turning results into what a learner sees or takes away: charts, links, scripts, downloads."""
