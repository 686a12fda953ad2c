using Custos.Web.Components.Account;

namespace Custos.Web.Components.CustomerPortal;

public static class PortalPaths
{
    public const string Home = "/portal";

    /// Only the portal's own local paths after sign-in: never another site, never the partner portal.
    public static string SafeReturnUrl(string? returnUrl)
    {
        var safe = AccountEndpoints.SafeReturnUrl(returnUrl, Home);
        return safe == Home || safe.StartsWith(Home + "/", StringComparison.Ordinal) || safe.StartsWith(Home + "?", StringComparison.Ordinal) ? safe : Home;
    }
}
