"""/api/planning/: context, preview, commit, history and diff (core); proposals (planning/proposals.py)."""

from django.urls import path

from planning import api, proposal_views

app_name = "planning"
urlpatterns = [
    path("context/", api.ContextView.as_view(), name="context"),
    path("preview/", api.PreviewView.as_view(), name="preview"),
    path("commit/", api.CommitView.as_view(), name="commit"),
    path("grids/<str:code>/history/", api.HistoryView.as_view(), name="history"),
    path("grids/<str:code>/diff/", api.DiffView.as_view(), name="diff"),
    path("proposals/", proposal_views.ProposalsView.as_view(), name="proposals"),
]
