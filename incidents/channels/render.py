"""What an intake answers: the case as the workflow API shows it, plus held / duplicate and masked reporters."""

from __future__ import annotations

from incidents.intake import IntakeResult
from incidents.models import Duplicate, Hold, Reporter
from incidents.serializers import IncidentSerializer
from layers.idnumber import mask_phone
from layers.models.incidents import Incident


def reporters(incident: Incident) -> list[dict]:
    return [{"name": r.name, "phone": mask_phone(r.phone), "channel": r.channel, "at": r.at.isoformat(),
             "reported_case": r.reported_case_id}
            for r in Reporter.objects.filter(incident=incident).order_by("at", "id")]


def case(incident: Incident, *, held: bool | None = None, proposal: Duplicate | None = None,
         known: bool = False) -> dict:
    """The JSON body of a case (plain JSON: it is stored with the idempotency key). ``known``: held and proposal
    are given (right after intake), else they are read."""
    if not known:
        incident = Incident.objects.select_related("grid", "building").get(pk=incident.pk)
        held = Hold.objects.filter(incident=incident, placed_at__isnull=True).exists()
        proposal = Duplicate.objects.filter(incident=incident).select_related("original").first()
    return {**IncidentSerializer(incident).data,
            "building_code": incident.building.code if incident.building_id else None,
            "held": held,
            "duplicate_of": proposal and {"id": proposal.original_id, "code": proposal.original.code,
                                          "proposal": proposal.pk, "distance_m": round(proposal.distance_m, 1)},
            "reporters": reporters(incident)}


def intake_result(result: IntakeResult) -> dict:
    """``render`` for intake.register: the new case without reading again what intake just wrote."""
    return case(result.incident, held=result.held, proposal=result.proposal, known=True)
