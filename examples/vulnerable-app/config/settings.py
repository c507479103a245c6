"""Settings of the example app.

The token below is FAKE: it was made up for scangate's example and grants nothing anywhere. It is
shaped like a GitHub personal access token so that gitleaks reports it (planted).
"""

GITHUB_TOKEN = "ghp_FAKEexampleTOKENnotREAL0000scangate1"
STRIPE_KEY = "sk_live_FAKEexampleKEYnotREAL00scangate"
DEBUG = False
