using System.Globalization;
using Custos.Domain;
using Custos.Domain.Organizations;

namespace Custos.Web.Components.Portal.Organizations.Details;

/// The tabs of the organization details page and their addresses: /organizations/{id} is the
/// General tab, /organizations/{id}/{tab} every tab. Each tab is a component of its own that loads
/// what it shows through the caller's scope, and its forms post back to the tab's own address.
public static class DetailsTabs
{
    public const string General = "general";
    public const string LoginAccounts = "login-accounts";
    public const string Subscriptions = "subscriptions";
    public const string Features = "features";
    public const string Credentials = "credentials";
    public const string Journaling = "journaling";
    public const string Audit = "audit";

    public static string Url(Guid organizationId, string tab) => $"/organizations/{organizationId}/{tab}";

    public const string ChangedMeanwhile = "This organization was changed meanwhile; here is its current state. Nothing was saved.";

    /// The organization's version a form was rendered with (its hidden Version field). A missing or
    /// malformed value can match no version, so the command answers with a concurrency conflict.
    public static int PostedVersion(HttpContext http) =>
        http.Request.HasFormContentType
        && int.TryParse(http.Request.Form["Version"], NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? v
            : -1;

    /// The HTTP status an action's error answers with.
    public static int StatusOf(Error error) => error switch
    {
        NotFound => StatusCodes.Status404NotFound,
        ConcurrentChange => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status422UnprocessableEntity,
    };
}
