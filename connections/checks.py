from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from connections.crypto import token_fernet


@register()
def token_keys_are_fernet_keys(app_configs, **kwargs) -> list[Error]:
    """TOKEN_ENCRYPTION_KEYS must parse, or no token could be stored or read."""
    try:
        token_fernet()
    except ImproperlyConfigured as error:
        return [Error(str(error), id="connections.E001")]
    return []
