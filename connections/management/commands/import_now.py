from django.core.management.base import BaseCommand, CommandError

from connections.models import Connection
from connections.services.scheduling import ImportAlreadyRunning, connection_import_now


class Command(BaseCommand):
    help = "Enqueue an import of one connection at once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("connection_id", type=int)

    def handle(self, *args, connection_id: int, **options) -> None:
        connection = Connection.objects.filter(pk=connection_id).first()
        if connection is None:
            raise CommandError(f"There is no connection {connection_id}.")
        try:
            run = connection_import_now(connection=connection)
        except ImportAlreadyRunning:
            raise CommandError(f"Connection {connection_id} is being imported already.") from None
        self.stdout.write(f"Queued import run {run.pk} of connection {connection_id}.")
