"""Signals that services emit after their writes, for components and plugins to react to."""

from blinker import Namespace

_signals = Namespace()

item_saved = _signals.signal("item-saved")  # sender: the app; item=..., version=...
item_archived = _signals.signal("item-archived")
user_changed = _signals.signal("user-changed")
module_published = _signals.signal("module-published")  # sender: the app; module=..., version=...
proposal_moved = _signals.signal("proposal-moved")  # sender: the app; proposal=..., event=...
