"""openses: a self-hosted email platform that speaks the Amazon SES API.

Layers (dependencies point inward; import-linter enforces it):
servers -> api -> services -> storage -> domain. ``protocol`` is a leaf that
knows the AWS wire formats and nothing about e-mail.
"""

__version__ = "0.1.0"
