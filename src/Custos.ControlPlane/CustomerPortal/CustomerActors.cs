using Custos.Domain.Audit;
using Custos.Domain.Organizations;

namespace Custos.ControlPlane.CustomerPortal;

/// How the audit journal names a person in the customer portal: the login account, and, during
/// "log in as client", the partner user really behind it.
public static class CustomerActors
{
    public static Actor Of(LoginAccount account, string? impersonatorId = null, string? impersonatorName = null) =>
        new(account.Id.ToString(), NameOf(account), impersonatorId, impersonatorName);

    /// "First Last &lt;email&gt;", or the email alone while the account has no names.
    public static string NameOf(LoginAccount account)
    {
        var name = $"{account.FirstName} {account.LastName}".Trim();
        return name.Length == 0 ? account.Email : $"{name} <{account.Email}>";
    }
}
