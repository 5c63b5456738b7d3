"""What `gazette serve`'s deployment allows: a schedule Prefect will run, and only the home and
sources file it was registered for.

Apart from flows/serving.py (which starts servers and registers the deployment, and so imports
the flows) because the config and the flows check against these rules too: here they import
nothing of ours.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


def check_cron(value: str) -> str:
    """Prefect's own rule (croniter's, less random and hashed fields): what serve will run."""
    from prefect.schedules import validate_cron_string

    return validate_cron_string(value)


SERVED = "GAZETTE_SERVED"  # the home and sources file serve runs for: its runs inherit it


class ServedParametersError(ValueError):
    """A run of serve's deployment asked for another home, sources file or options."""


def check_served_parameters(sources_file: Path, home: Path, options: object) -> None:
    """In a run of `gazette serve`'s deployment, refuse any parameters but the ones serve
    registered: its Prefect API answers any local process, and a flow run created with
    another `home` made the serving process write a warehouse wherever it was told."""
    served = os.environ.get(SERVED)
    if not served:
        return
    fixed = json.loads(served)
    asked = {"home": str(Path(home).resolve()), "sources_file": str(Path(sources_file).resolve())}
    if asked != fixed or options is not None:
        raise ServedParametersError(
            f"this deployment runs for home {fixed['home']} with {fixed['sources_file']} "
            f"only; a run asked for {asked}{' with options' if options is not None else ''}: "
            "refused, nothing written"
        )
