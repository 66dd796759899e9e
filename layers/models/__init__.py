"""The spatial domain model: divisions, grids, buildings, people, sensors, incidents, access."""

from layers.models.access import Profile, RevealAudit, Role
from layers.models.buildings import Building, Household, Tier, Unit
from layers.models.divisions import Division, DivisionLevel, Grid, GridKind, GridWorker
from layers.models.incidents import Incident, IncidentBin, IncidentSource, IncidentStatus
from layers.models.people import CareTag, ResidenceType, Resident
from layers.models.sensors import Sensor, SensorEvent, SensorKind, SensorStatus

__all__ = [
    "Building", "CareTag", "Division", "DivisionLevel", "Grid", "GridKind", "GridWorker",
    "Household", "Incident", "IncidentBin", "IncidentSource", "IncidentStatus", "Profile", "Resident",
    "ResidenceType", "RevealAudit", "Role", "Sensor", "SensorEvent", "SensorKind",
    "SensorStatus", "Tier", "Unit",
]
