"""Page script: team trends and assignments (managers)."""

from coach.ui import auth, team_page

viewer = auth.require_viewer()
if viewer.role in ("manager", "admin"):
    team_page.render(viewer)
else:
    auth.not_allowed()
