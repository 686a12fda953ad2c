using System.Globalization;

namespace Custos.Web.Components.CustomerPortal;

public static class PortalFormat
{
    public static string Day(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "—";

    public static string Instant(DateTimeOffset? at) =>
        at is null ? "—" : at.Value.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";
}
