namespace Custos.Domain.Partners;

/// A partner's notification settings (the Notification Settings page). Kept on the partner row; see
/// README.md beside this file for what each setting does and why these defaults.
/// <param name="ShowSendSignIn">User Management, first row: whether New Organization shows the "Send sign in" checkbox.</param>
/// <param name="SendSignInByDefault">Whether that checkbox starts checked; when the checkbox is hidden, this alone decides.</param>
/// <param name="LifecycleNotices">Whether suspended, unsubscribed, reactivated, deleted and purged notices are sent.</param>
/// <param name="NotifyOrganizationOwner">Lifecycle notices go to the organization's owner.</param>
/// <param name="NotifyPartnerAdmins">Lifecycle notices go to the partner's owners and full administrators.</param>
public sealed record NotificationSettings(
    bool ShowSendSignIn,
    bool SendSignInByDefault,
    bool LifecycleNotices,
    bool NotifyOrganizationOwner,
    bool NotifyPartnerAdmins)
{
    /// What a new partner starts with: the checkbox shown and checked, notices on, to both.
    public static NotificationSettings Default { get; } = new(true, true, true, true, true);

    /// Whether the organization's owner gets an invitation, given what the form posted: the
    /// checkbox decides when it is shown; when it is hidden, the partner's default does.
    public bool SendSignIn(bool posted) => ShowSendSignIn ? posted : SendSignInByDefault;

    /// Notices on, but to nobody, is a contradiction the page must not save.
    public Result Validate() =>
        LifecycleNotices && !NotifyOrganizationOwner && !NotifyPartnerAdmins
            ? new ValidationFailed("recipients", "Choose at least one recipient of lifecycle notices, or turn lifecycle notices off.")
            : Result.Ok;
}
