using System.Globalization;
using Custos.Domain;
using Custos.Domain.Organizations;

namespace Custos.Web.Components.Portal.Organizations.Details;

/// Shared wording of the organization detail tabs.
internal static class TabFormat
{
    public static string Instant(DateTimeOffset? at) =>
        at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "Never";

    public static string Date(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Kind(SourceKind kind) => kind switch
    {
        SourceKind.Imap => "IMAP",
        SourceKind.Microsoft365 => "Microsoft 365",
        SourceKind.GoogleWorkspace => "Google Workspace",
        _ => kind.ToString(),
    };

    public static string Status(BackupStatus status) => status switch
    {
        BackupStatus.NeverRun => "Not run yet",
        BackupStatus.Healthy => "Healthy",
        BackupStatus.Warning => "Warning",
        BackupStatus.Error => "Error",
        _ => status.ToString(),
    };

    /// The HTTP status a refused change answers with.
    public static int StatusCode(Error error) => error switch
    {
        NotFound => StatusCodes.Status404NotFound,
        ConcurrentChange or AlreadyDeleted => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status422UnprocessableEntity,
    };
}
