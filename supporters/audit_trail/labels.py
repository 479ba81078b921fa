"""Audit actions as words in the viewer's language: events store codes, pages render words."""

from flask_babel import lazy_gettext as _l

from supporters.i18n import translated_labels

ACTION_LABELS = {
    # Looks at personal data
    "view_request": _l("Viewed a request's personal details"),
    "view_sensitive_request": _l("Viewed a hospital request's personal details"),
    "view_case_note": _l("Viewed a case note"),
    "view_contact": _l("Viewed a supporter's contact details"),
    "view_bank_details": _l("Viewed bank details"),
    "export_supporters": _l("Exported the supporter registry"),
    "export_activities": _l("Exported the case log"),
    "export_municipalities": _l("Exported municipalities"),
    "export_residents": _l("Exported resident figures"),
    "export_zengin": _l("Downloaded a bank transfer file"),
    "export_csv": _l("Downloaded the transfers (CSV)"),
    "export_xlsx": _l("Downloaded the transfers (Excel)"),
    "export_audit": _l("Exported the audit trail"),
    "print_certificate": _l("Printed a certificate"),
    "privacy_view": _l("Viewed a resident's file"),
    "privacy_export": _l("Exported a resident's file"),
    "privacy_search": _l("Searched residents' data"),
    # Residents' rights and retention
    "privacy_corrected": _l("Resident's data corrected"),
    "privacy_anonymised": _l("Resident's data anonymised"),
    "retention_anonymised": _l("Anonymised after the retention period"),
    # Accounts
    "login": _l("Signed in"),
    "login_failed": _l("Sign-in failed"),
    "account_created": _l("Account created"),
    "account_invited": _l("Account invitation sent"),
    "deactivate_account": _l("Account deactivated"),
    "activate_account": _l("Account reactivated"),
    "close_account_access": _l("Account access closed"),
    "end_session": _l("Session ended"),
    "end_all_sessions": _l("All sessions ended"),
    "password_changed": _l("Password changed"),
    "password_reset_requested": _l("Password reset requested"),
    "email_change_requested": _l("E-mail change requested"),
    "email_change_cancelled": _l("E-mail change cancelled"),
    "email_changed": _l("E-mail address changed"),
    "two_factor_enabled": _l("Two-factor sign-in turned on"),
    "two_factor_disabled": _l("Two-factor sign-in turned off"),
    "two_factor_replaced": _l("Two-factor device replaced"),
    "two_factor_reset": _l("Two-factor sign-in reset"),
    "two_factor_recovery_codes_renewed": _l("Recovery codes renewed"),
    "api_token_issued": _l("API token issued"),
    "api_token_revoked": _l("API token revoked"),
    # Registry
    "register_supporter": _l("Supporter registered"),
    "update_supporter": _l("Supporter updated"),
    "certify_supporter": _l("Supporter certified"),
    "suspend_supporter": _l("Supporter suspended"),
    "reinstate_supporter": _l("Supporter reinstated"),
    "reactivate_supporter": _l("Supporter reactivated"),
    "retire_supporter": _l("Supporter retired"),
    # Requests and offers
    "request_created": _l("Request taken"),
    "request_offered": _l("Request offered"),
    "request_assigned": _l("Request assigned"),
    "request_completed": _l("Request completed"),
    "request_closed": _l("Request closed"),
    "request_cancelled": _l("Request cancelled"),
    "request_unfilled": _l("Request unfilled"),
    "request_referred": _l("Request referred"),
    "request_new": _l("Request released"),
    "request_merged": _l("Duplicate request merged"),
    "duplicate_dismissed": _l("Marked as not a duplicate"),
    "supporter_messaged": _l("Message sent to a supporter"),
    "lending_consented": _l("Supporter lent to other programmes for a language"),
    "lending_withdrawn": _l("Supporter no longer lent to other programmes for a language"),
    "offer_sent": _l("Offer sent"),
    "assignment_confirmed": _l("Assignment confirmed"),
    "outbox_retry": _l("Failed message queued again"),
    "outbox_discard": _l("Failed message discarded"),
    "job_retry": _l("Failed task queued again"),
    "job_discard": _l("Failed task discarded"),
    "offer_accepted": _l("Offer accepted"),
    "offer_declined": _l("Offer declined"),
    "offer_withdrawn": _l("Offer withdrawn"),
    "video_room_opened": _l("Video-call link made"),
    "video_room_revoked": _l("Video-call link revoked"),
    # Case log
    "activity_logged": _l("Case logged"),
    "activity_updated": _l("Case log changed"),
    # Stipends and payments
    "stipend_rule_set": _l("Stipend rule set"),
    "fiscal_budget_set": _l("Fiscal year budget set"),
    "stipend_month_closed": _l("Stipend month closed"),
    "stipend_month_reopened": _l("Stipend month re-opened"),
    "stipend_month_reclosed": _l("Stipend month closed again"),
    "stipend_adjustment": _l("Stipend adjustment"),
    "save_bank_details": _l("Bank details saved"),
    "remove_bank_details": _l("Bank details removed"),
    "record_transfer": _l("Transfer recorded"),
    "save_target": _l("Coverage target set"),
    # Reference data and imports
    "programme_started": _l("Programme started"),
    "programme_changed": _l("Programme settings changed"),
    "language_added": _l("Language added"),
    "language_renamed": _l("Language renamed"),
    "language_retired": _l("Language retired"),
    "language_reinstated": _l("Language brought back"),
    "municipality_added": _l("Municipality added"),
    "municipality_renamed": _l("Municipality renamed"),
    "municipality_merged": _l("Municipality merged"),
    "add_nationality_language": _l("Nationality linked to a language"),
    "remove_nationality_language": _l("Nationality unlinked from a language"),
    "import_supporters": _l("Supporters imported"),
    "import_activities": _l("Case log imported"),
    "import_municipalities": _l("Municipalities imported"),
    "import_residents": _l("Resident figures imported"),
    # Public form and operations
    "public_form_trapped": _l("Public form: automated sending stopped"),
    "public_form_ceiling_alert": _l("Public form: daily ceiling reached"),
    "database_restored": _l("Database restored from a backup"),
}

CHANNEL_LABELS = {
    "web": _l("Web page"),
    "api": _l("API"),
    "export": _l("Export"),
    "pdf": _l("PDF"),
    "cli": _l("Command line"),
}

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "coordinator": _l("Coordinator"),
    "municipal_officer": _l("Municipal officer"),
    "official": _l("Prefecture official"),
    "supporter": _l("Supporter"),
    "national_admin": _l("National administrator"),
}


def role_label(code: str) -> str:
    """The words for the role an actor acted in ("" → "—")."""
    label = ROLE_LABELS.get(code)
    return str(label) if label is not None else (code or "—")


def action_label(code: str) -> str:
    """The words for an action code; an unknown code (a newer action) is shown as it is."""
    label = translated_labels(ACTION_LABELS).get(code)  # kept per language: one per row
    return str(label) if label is not None else code


def channel_label(code: str) -> str:
    """The words for a channel code ("" → "—")."""
    label = CHANNEL_LABELS.get(code)
    return str(label) if label is not None else (code or "—")
