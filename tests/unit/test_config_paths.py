"""The dotted paths users put in config.yaml keep working after the proxy hooks moved to
``laas_provider.proxy``: the old and the new path give the very same objects."""

from __future__ import annotations

from litellm.proxy.types_utils.utils import get_instance_fn

import laas_provider
from laas_provider.handler import LaaSProvider


def test_the_old_guard_path_and_the_new_one_give_the_same_request_guard():
    old = get_instance_fn("laas_provider.guard.request_guard")
    new = get_instance_fn("laas_provider.proxy.guard.request_guard")
    assert old is new
    assert type(old).__name__ == "RequestGuard"


def test_the_old_freezer_path_and_the_new_one_give_the_same_freezer():
    old = get_instance_fn("laas_provider.gc_freeze.freezer")
    new = get_instance_fn("laas_provider.proxy.gc_freeze.freezer")
    assert old is new
    assert type(old).__name__ == "GcFreezer"


def test_the_provider_path_still_gives_the_provider():
    assert isinstance(laas_provider.laas_provider, LaaSProvider)
