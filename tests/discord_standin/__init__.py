"""A local stand-in for the parts of Discord's API that ExitWatch uses; see README.md."""

from .errors import DiscordError
from .interactions import InteractionCall
from .invocation import InvocationRefused
from .permissions import Permission
from .server import DiscordStandIn
from .state import Channel, Guild, RecordedRequest

__all__ = [
    "Channel",
    "DiscordError",
    "DiscordStandIn",
    "Guild",
    "InteractionCall",
    "InvocationRefused",
    "Permission",
    "RecordedRequest",
]
