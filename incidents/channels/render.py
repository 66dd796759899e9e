"""What an intake answers: the case as the workflow API shows it, plus held / duplicate and masked reporters."""

from __future__ import annotations

from incidents.models import Duplicate, Hold, Reporter
from incidents.serializers import IncidentSerializer
from layers.idnumber import mask_phone
from layers.models.incidents import Incident


def reporters(incident: Incident) -> list[dict]:
    return [{"name": r.name, "phone": mask_phone(r.phone), "channel": r.channel, "at": r.at.isoformat(),
             "reported_case": r.reported_case_id}
            for r in Reporter.objects.filter(incident=incident).order_by("at", "id")]


def case(incident: Incident) -> dict:
    """The JSON body of a case created by intake (stored with its idempotency key, so it must be plain JSON)."""
    incident.refresh_from_db()
    proposal = Duplicate.objects.filter(incident=incident).select_related("original").first()
    return {**IncidentSerializer(incident).data,
            "building_code": incident.building.code if incident.building_id else None,
            "held": Hold.objects.filter(incident=incident, placed_at__isnull=True).exists(),
            "duplicate_of": proposal and {"id": proposal.original_id, "code": proposal.original.code,
                                          "proposal": proposal.pk, "distance_m": round(proposal.distance_m, 1)},
            "reporters": reporters(incident)}
