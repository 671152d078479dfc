"""Page script: managers review their team's calls."""

from coach.ui import auth, review_page

viewer = auth.require_viewer()
if viewer.role in ("manager", "admin"):
    review_page.render(viewer)
else:
    auth.not_allowed()
