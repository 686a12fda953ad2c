namespace Custos.Web.Components.Account;

/// Texts several account pages share.
public static class AccountMessages
{
    public const string LockedOut =
        "This account is locked after too many failed sign-ins. Try again in 15 minutes, or reset your password.";
}
