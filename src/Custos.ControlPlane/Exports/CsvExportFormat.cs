using CsvHelper;
using Custos.ControlPlane.Organizations;
using Custos.Domain.Organizations;

namespace Custos.ControlPlane.Exports;

/// The CSV of an export: UTF-8 with a byte order mark (so spreadsheets read accents, emoji and
/// non-Latin names right), RFC 4180 quoting, the page's columns with the page's formatting
/// (<see cref="OrganizationListFormat"/>), and every text cell that a spreadsheet would run as a
/// formula (starting with = + - @, tab or CR, as OWASP lists them) prefixed with ' and quoted.
public static class CsvExportFormat
{
    private static readonly CsvWriterOptions Options = new()
    {
        Injection = CsvInjection.Escape,
        WriteByteOrderMark = true,
    };

    /// The column that holds the tab's status fact, as the page titles it (none on the Active tab).
    public static string? StatusColumn(OrganizationStatus status) => status switch
    {
        OrganizationStatus.Suspended => "Suspended since",
        OrganizationStatus.Unsubscribed => "Purge date",
        OrganizationStatus.Deleted => "Deleted on",
        _ => null,
    };

    public static IReadOnlyList<string> Header(OrganizationStatus status)
    {
        List<string> columns =
        [
            "Organization", "Owner email", "Organization ID", "Plan", "Plan type", "Price", "Seats", "Storage", "Logical storage", "Status",
        ];
        if (StatusColumn(status) is { } fact)
        {
            columns.Add(fact);
        }

        columns.AddRange(["Needs authentication", "Partner", "Created"]);
        return columns;
    }

    /// Writes the header and every row, calling <paramref name="progress"/> with the rows written so
    /// far every <paramref name="progressEvery"/> rows. Returns the number of rows.
    public static async Task<long> WriteAsync(
        Stream destination, OrganizationStatus status, IAsyncEnumerable<ExportRow> rows,
        Func<long, Task>? progress, int progressEvery, CancellationToken ct)
    {
        var withFact = StatusColumn(status) is not null;
        await using var csv = CsvWriter.Create(destination, Options, leaveOpen: true);
        foreach (var column in Header(status))
        {
            csv.WriteField(column);
        }

        await csv.EndRecordAsync(ct);
        long count = 0;
        await foreach (var item in rows.WithCancellation(ct))
        {
            var row = item.Row;
            csv.WriteField(row.Name);
            csv.WriteField(row.OwnerEmail);
            csv.WriteField(row.PublicId);
            csv.WriteField(row.PlanName);
            csv.WriteField(OrganizationListFormat.PlanTypeName(row.PlanType));
            csv.WriteField(OrganizationListFormat.Price(row.PlanType, row.MonthlyPrice, row.Currency));
            csv.WriteField(OrganizationListFormat.Seats(row));
            csv.WriteField(OrganizationListFormat.Storage(row.StorageUsedBytes));
            csv.WriteField(OrganizationListFormat.Storage(row.StorageLogicalBytes));
            csv.WriteField(row.Status.ToString());
            if (withFact)
            {
                csv.WriteField(StatusDate(row));
            }

            csv.WriteField(row.CredentialError ? "Yes" : "No");
            csv.WriteField(item.PartnerName);
            csv.WriteField(OrganizationListFormat.Day(item.CreatedAt));
            await csv.EndRecordAsync(ct);
            count++;
            if (progress is not null && count % progressEvery == 0)
            {
                await progress(count);
            }
        }

        await csv.FlushAsync(ct);
        return count;
    }

    /// The date of the tab's status fact, as the page shows it ("Purge on 2026-12-31" there, the date here).
    public static string StatusDate(OrganizationRow row) => row.Status switch
    {
        OrganizationStatus.Suspended => OrganizationListFormat.Day(row.StatusChangedAt),
        OrganizationStatus.Unsubscribed when row.PurgeDueAt is { } due => OrganizationListFormat.Day(due),
        OrganizationStatus.Deleted => OrganizationListFormat.Day(row.DeletedAt ?? row.StatusChangedAt),
        _ => "",
    };
}
