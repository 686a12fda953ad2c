using Custos.Domain.Exports;
using Custos.Domain.Organizations;

namespace Custos.Domain.Tests;

/// A CSV export's states: queued, claimed with a lease, taken over when the lease lapses, ready
/// for seven days, given up after too many interrupted runs; and its file name.
public class CsvExportTests
{
    private static readonly DateTimeOffset Now = Given.Start;

    private static CsvExport Queued() =>
        CsvExport.Request(Guid.NewGuid(), Guid.NewGuid(), "Ann", "ann@example.com",
            new OrganizationExportQuery(OrganizationStatus.Active, " acme ", null, false), 3, Now);

    [Fact]
    public void Request_IsQueued_WithTheTrimmedSearch()
    {
        var export = Queued();

        export.State.ShouldBe(CsvExportState.Queued);
        export.Search.ShouldBe("acme");
        export.IsClaimable(Now).ShouldBeTrue();
        export.IsDownloadable(Now).ShouldBeFalse();
    }

    [Fact]
    public void Start_HoldsALease_ThatAnotherRunCanOnlyTakeOverOnceItLapsed()
    {
        var export = Queued();

        export.Start("a.csv", Now, Now.AddMinutes(2)).Error.ShouldBeNull();

        export.State.ShouldBe(CsvExportState.Running);
        export.Attempts.ShouldBe(1);
        export.IsClaimable(Now.AddMinutes(1)).ShouldBeFalse();
        export.Start("a.csv", Now.AddMinutes(1), Now.AddMinutes(3)).Error.ShouldBeOfType<ExportNotRunnable>();
        export.RecordProgress(500, Now.AddMinutes(4));
        export.IsClaimable(Now.AddMinutes(3)).ShouldBeFalse();
        export.IsClaimable(Now.AddMinutes(4)).ShouldBeTrue();
        export.Start("a.csv", Now.AddMinutes(4), Now.AddMinutes(6)).Error.ShouldBeNull();
        export.Attempts.ShouldBe(2);
        export.RowsSoFar.ShouldBe(0);
    }

    [Fact]
    public void Start_AfterMaxAttemptsInterrupted_GivesUp()
    {
        var export = Queued();
        var at = Now;
        for (var i = 0; i < CsvExport.MaxAttempts; i++)
        {
            export.Start("a.csv", at, at.AddMinutes(1)).Error.ShouldBeNull();
            at = at.AddMinutes(2);
        }

        export.Start("a.csv", at, at.AddMinutes(1)).Error.ShouldBeNull();

        export.State.ShouldBe(CsvExportState.Failed);
        export.Error.ShouldNotBeNull().ShouldContain("interrupted");
        export.IsClaimable(at.AddDays(1)).ShouldBeFalse();
    }

    [Fact]
    public void Complete_IsDownloadableForSevenDays()
    {
        var export = Queued();
        export.Start("a.csv", Now, Now.AddMinutes(2));

        export.Complete(3, 120, Now.AddMinutes(1));

        export.State.ShouldBe(CsvExportState.Ready);
        export.ExpiresAt.ShouldBe(Now.AddMinutes(1).AddDays(7));
        export.IsDownloadable(Now.AddDays(7)).ShouldBeTrue();
        export.IsDownloadable(Now.AddMinutes(1).AddDays(7)).ShouldBeFalse();
        export.IsExpired(Now.AddMinutes(1).AddDays(7)).ShouldBeTrue();
        export.IsClaimable(Now.AddDays(1)).ShouldBeFalse();
    }

    [Theory]
    [InlineData("Acme IT", "Active Organization Acme IT 2026-03-15 1000.csv")]
    [InlineData("../etc/passwd", "Active Organization etc passwd 2026-03-15 1000.csv")]
    [InlineData("A/B\\C:D*E?F\"G<H>I|J", "Active Organization A B C D E F G H I J 2026-03-15 1000.csv")]
    [InlineData("Tab\tand\nline", "Active Organization Tab and line 2026-03-15 1000.csv")]
    [InlineData("...", "Active Organization 2026-03-15 1000.csv")]
    [InlineData("Zoë 🚀 日本", "Active Organization Zoë 🚀 日本 2026-03-15 1000.csv")]
    public void FileNameFor_IsStatusOrganizationPartnerAndUtcTime_WithoutPathCharacters(string partner, string expected)
    {
        CsvExport.FileNameFor(OrganizationStatus.Active, partner, Now).ShouldBe(expected);
    }
}
