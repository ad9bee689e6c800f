"""Which model class an experiment runs: the standard ``CommunityModel`` or a user's subclass.

An experiment file may name a subclass that swaps a mechanism (``[experiment] model =
"mypackage.variants:OneShotMediation"``); from Python, ``run_experiment(...,
model_class=MyModel)`` does the same. The runner sends only the name to its workers, which
import the class themselves (on a cluster, the package must be installed on every worker),
so the variant keeps the experiment's paired seeds, resume and report. Naming a class is
importing the module that defines it: only name code you trust, as with any plugin.
"""

from __future__ import annotations

import importlib
import re

DEFAULT = ""  # the standard sim.model.CommunityModel
_REFERENCE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


def reference_of(model_class: type | None) -> str:
    """The ``module:Class`` name of a model class (empty for the standard model)."""
    from sim.model import CommunityModel

    if model_class is None or model_class is CommunityModel:
        return DEFAULT
    return f"{model_class.__module__}:{model_class.__qualname__}"


def resolve(reference: str):
    """The model class a ``module:Class`` reference names; ValueError with a reason if not."""
    from sim.model import CommunityModel

    if reference == DEFAULT:
        return CommunityModel
    if not _REFERENCE.match(reference):
        raise ValueError(f"must look like 'package.module:ClassName', got {reference[:80]!r}")
    module_name, class_name = reference.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import {module_name[:80]!r} ({exc.msg[:120]})") from None
    model_class = getattr(module, class_name, None)
    if not (isinstance(model_class, type) and issubclass(model_class, CommunityModel)):
        raise ValueError(  # noqa: TRY004 - a refusal reason for the experiment file
            f"{reference[:80]!r} is not a subclass of sim.model.CommunityModel")
    return model_class
