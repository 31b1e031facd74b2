"""Scenarios sent as text: read one (and its shocks and policies rewritten from the lab's form)
before it is run as a job. The same reader and the same confinement of the files it names as the
scenario and comparison jobs (``compute.scenario_of``)."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Request

from orebloc.errors import ValidationError
from orebloc.service.deps import Problemo, endpoint
from orebloc.service.schemas import ScenarioCheckIn, ScenarioCheckOut

router = APIRouter(tags=["scenarios"])


def _field(key_path: str) -> str:
    """The input a reader's key path points at: a form field (``shocks[0].severity``) or the text."""
    return key_path if key_path.startswith(("shocks[", "policies[")) else "scenario_text"


@endpoint(router, "scenario_check")
def scenario_check(body: ScenarioCheckIn, request: Request) -> ScenarioCheckOut:
    """Read a scenario text with the scenario reader, files confined as for a job; with ``shocks``
    and ``policies``, first write those entries into the text in place of its own. A text the
    reader refuses is a 422 whose detail is the reader's one line (``scenario text, line 31:
    shocks[0].severity: must be <= 1, got 1.5``) and whose ``field`` is the form field's key path,
    or ``scenario_text``."""
    from orebloc.scenarios.spec import ScenarioError
    from orebloc.service.compute import scenario_of
    from orebloc.service.scenario_form import entries, form_fields, with_entries

    st = request.app.state.settings
    text = body.scenario_text
    if body.shocks is not None or body.policies is not None:
        try:
            text = with_entries(text, body.shocks, body.policies)
        except ValidationError as exc:
            raise Problemo(422, str(exc), exc.field) from None
    params = {
        "scenario_text": text,
        "scenarios_dir": st.scenarios_dir,
        "scenario_roots": st.scenario_roots(),
    }
    try:
        spec = scenario_of(params)
    except ScenarioError as exc:
        raise Problemo(422, str(exc), _field(exc.key_path)) from None
    labels = spec.period_labels()
    form = entries(text)
    return ScenarioCheckOut(
        scenario_text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        name=spec.name,
        step=spec.step,
        periods=[labels[0], labels[-1]],
        markets=[m.id for m in spec.markets],
        zones=list(spec.zones.ids),
        shocks=form["shocks"],
        policies=form["policies"],
        fields=form_fields(),
    )
