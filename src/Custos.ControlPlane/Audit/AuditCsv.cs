using System.Globalization;
using CsvHelper;

namespace Custos.ControlPlane.Audit;

/// The audit journal as CSV: UTF-8 with a byte order mark, RFC 4180 quoting, and every cell a
/// spreadsheet would run as a formula escaped (as the Organizations export does).
public static class AuditCsv
{
    private static readonly CsvWriterOptions Options = new()
    {
        Injection = CsvInjection.Escape,
        WriteByteOrderMark = true,
    };

    public static readonly string[] Header =
        ["Time (UTC)", "Event", "Actor", "Impersonator", "Partner", "Organization", "Organization ID", "Before", "After"];

    public static string FileName(DateTimeOffset now) =>
        $"custos-audit-{now.UtcDateTime.ToString("yyyy-MM-dd-HHmmss", CultureInfo.InvariantCulture)}.csv";

    public static async Task<long> WriteAsync(Stream destination, IAsyncEnumerable<AuditRow> rows, CancellationToken ct)
    {
        await using var csv = CsvWriter.Create(destination, Options, leaveOpen: true);
        foreach (var column in Header)
        {
            csv.WriteField(column);
        }

        await csv.EndRecordAsync(ct);
        long count = 0;
        await foreach (var row in rows.WithCancellation(ct))
        {
            csv.WriteField(row.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            csv.WriteField(row.EventName);
            csv.WriteField(row.ActorName);
            csv.WriteField(row.ImpersonatorName ?? "");
            csv.WriteField(row.PartnerName ?? "");
            csv.WriteField(row.OrganizationName ?? "");
            csv.WriteField(row.OrganizationPublicId ?? "");
            csv.WriteField(row.Before ?? "");
            csv.WriteField(row.After ?? "");
            await csv.EndRecordAsync(ct);
            count++;
        }

        await csv.FlushAsync(ct);
        return count;
    }
}
