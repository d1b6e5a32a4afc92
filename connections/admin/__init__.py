from connections.admin import connections, history, push  # noqa: F401 - registers the admins
