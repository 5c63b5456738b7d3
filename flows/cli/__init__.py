"""The terminal: the `gazette` commands (`commands`), the SQL shell (`shell`), the run's
progress lines (`progress`), tables drawn to fit the terminal (`tables`) and the bundled demo
news site (`demo_site`). Nothing here imports Prefect; the commands start the flows.
"""
