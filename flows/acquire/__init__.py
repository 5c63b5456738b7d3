"""Getting the bytes: discovery of article URLs, polite fetching over HTTP, reading local files.

Plain functions and threads; nothing here imports Prefect (the tasks in flows/tasks.py call in).
"""
