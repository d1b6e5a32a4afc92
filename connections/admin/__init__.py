from connections.admin import connections, history  # noqa: F401 - registers the admins
