using CsvHelper;
using Custos.ControlPlane.Exports;
using Custos.ControlPlane.Organizations;
using Custos.Domain.Organizations;
using Custos.Domain.Plans;

namespace Custos.ControlPlane.Tests;

/// The CSV text itself: quoting, Unicode and formula neutralisation survive a round trip.
public class CsvExportFormatTests
{
    [Theory]
    [InlineData("Plain", "Plain")]
    [InlineData("Quote \"Q\", Inc", "Quote \"Q\", Inc")]
    [InlineData("Two\nlines\r\nhere", "Two\nlines\r\nhere")]
    [InlineData("Rocket 🚀 日本語 Ελληνικά", "Rocket 🚀 日本語 Ελληνικά")]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+SUM(A1:A2)", "'+SUM(A1:A2)")]
    [InlineData("-2", "'-2")]
    [InlineData("@cmd", "'@cmd")]
    [InlineData("\tTabbed", "'\tTabbed")]
    [InlineData("\rReturn", "'\rReturn")]
    [InlineData("Inside=1+1", "Inside=1+1")]
    public async Task Write_Name_ReadsBackAsWrittenOrNeutralised(string name, string expected)
    {
        using var stream = new MemoryStream();

        var count = await CsvExportFormat.WriteAsync(stream, OrganizationStatus.Active, Rows(name), null, 1, CancellationToken.None);

        count.ShouldBe(1);
        var bytes = stream.ToArray();
        bytes.Take(3).ShouldBe(new byte[] { 0xEF, 0xBB, 0xBF }, "a UTF-8 byte order mark for spreadsheets");
        using var reader = CsvReader.Create(new MemoryStream(bytes), new CsvReaderOptions { Separator = ',' });
        (await reader.ReadAsync()).ShouldBeTrue();
        reader.Headers.Count.ShouldBe(CsvExportFormat.Header(OrganizationStatus.Active).Count);
        reader.GetString(0).ShouldBe(expected);
        reader.GetString(7).ShouldBe("1.2 KB");
        reader.GetString(8).ShouldBe("5.7 KB", "the logical storage beside the stored");
        reader.GetString(11).ShouldBe("Partner, \"Quoted\"");
        (await reader.ReadAsync()).ShouldBeFalse();
    }

    [Fact]
    public async Task Write_ReportsProgressEveryNRows()
    {
        using var stream = new MemoryStream();
        var seen = new List<long>();

        var count = await CsvExportFormat.WriteAsync(stream, OrganizationStatus.Active, Rows(Enumerable.Range(0, 7).Select(i => $"Org {i}").ToArray()),
            n =>
            {
                seen.Add(n);
                return Task.CompletedTask;
            }, 3, CancellationToken.None);

        count.ShouldBe(7);
        seen.ShouldBe([3L, 6L]);
    }

    private static async IAsyncEnumerable<ExportRow> Rows(params string[] names)
    {
        foreach (var name in names)
        {
            await Task.Yield();
            yield return new ExportRow(
                new OrganizationRow(Guid.NewGuid(), "ORG123", name, PlanType.Backup, "Backup", 3m, "EUR", "a@b.test", 10, false, 2, 1234, 5678,
                    OrganizationStatus.Active, null, null, DateTimeOffset.UnixEpoch, false),
                "Partner, \"Quoted\"",
                DateTimeOffset.UnixEpoch);
        }
    }
}
