using System.Net;
using System.Text.RegularExpressions;
using CsvHelper;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Exports;
using Custos.Domain.Organizations;
using Custos.Web.Hosting;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Custos.Web.Tests.Exports;

/// Export CSV over plain HTTP, through the real job in the host: the file equals the page, the
/// link obeys the partner tree and expires, and exports survive nodes that stop or die.
public abstract partial class CsvExportTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>, IAsyncLifetime
    where TFixture : ExportWorldFixture
{
    private int _logMark;

    private CustosApp App => fixture.App;

    private PortalWorld World => fixture.World;

    public Task InitializeAsync()
    {
        _logMark = App.Logs.Count;
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        App.Logs.AtLeast(LogLevel.Error, _logMark).ShouldBeEmpty();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Export_OfTheActiveTab_EqualsThePageForAll45Organizations()
    {
        using var session = await PortalSession.SignInAsync(App, PortalWorld.SubOwner, PortalWorld.Password);
        var page = await PageRowsAsync(session, "/organizations");
        page.Count.ShouldBe(ExportWorldFixture.ActiveOrganizations);

        var confirmation = await session.GetHtmlAsync("/organizations/export");
        Html.Text(confirmation).ShouldContain("Organizations 45");
        var export = await ExportAsync(session, "/organizations/export");
        var (fileName, header, rows) = await DownloadAsync(session, export);

        fileName.ShouldMatch(@"^Active Organization Sub Partner \d{4}-\d{2}-\d{2} \d{4}\.csv$");
        header.ShouldBe(["Organization", "Owner email", "Organization ID", "Plan", "Plan type", "Price", "Seats", "Storage", "Logical storage", "Status",
            "Needs authentication", "Partner", "Created"]);
        rows.Count.ShouldBe(page.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var (csv, shown) = (rows[i], page[i]);
            Unescaped(csv[0]).ShouldBe(shown.Name, $"row {i}");
            csv[1].ShouldBe(shown.Email);
            csv[2].ShouldBe(shown.PublicId);
            csv[3].ShouldBe(shown.Plan);
            $"{csv[4]} · {csv[5]}".ShouldBe(shown.TypeAndPrice);
            csv[6].ShouldBe(shown.Seats);
            csv[7].ShouldBe(shown.Storage);
            csv[8].ShouldBe(shown.LogicalStorage);
            csv[9].ShouldBe("Active");
            csv[10].ShouldBe(shown.NeedsAuthentication ? "Yes" : "No", shown.Name);
            csv[11].ShouldBe("Sub Partner");
            csv[12].ShouldMatch(@"^\d{4}-\d{2}-\d{2}$");
        }

        // Formula-like cells start with ' (and only those); the rest is written as it is.
        var names = rows.Select(r => r[0]).ToList();
        names.ShouldContain("'=1+1");
        names.ShouldContain("'+SUM(A1:A9)");
        names.ShouldContain("'-2");
        names.ShouldContain("'@cmd");
        names.ShouldContain("Archive=Inside");
        names.ShouldContain("Quote \"Q\" Holdings");
        names.ShouldContain("Zoë O'Brien, \"Jr\"");
        names.ShouldContain("Rocket 🚀 Backups");
        names.ShouldContain("日本語の会社");

        // Claimed, rows so far saved after 10, 20, 30 and 40 rows (while the rows were being read), then ready.
        var saved = await App.InDatabaseAsync(db => db.CsvExports.AsNoTracking().SingleAsync(e => e.Id == export));
        saved.RowsSoFar.ShouldBe(45);
        saved.Version.ShouldBe(1 + (45 / ExportHost.ProgressEvery) + 1);
    }

    [Fact]
    public async Task Export_OfTheUnsubscribedTab_HasThePurgeDatesThePageShows()
    {
        using var session = await PortalSession.SignInAsync(App, PortalWorld.SubOwner, PortalWorld.Password);
        var page = await PageRowsAsync(session, "/organizations?status=unsubscribed");
        page.Count.ShouldBe(2);

        var export = await ExportAsync(session, "/organizations/export?status=unsubscribed");
        var (fileName, header, rows) = await DownloadAsync(session, export);

        fileName.ShouldStartWith("Unsubscribed Organization Sub Partner ");
        header[10].ShouldBe("Purge date");
        rows.Select(r => Unescaped(r[0])).ShouldBe(page.Select(p => p.Name));
        rows.Select(r => "Purge on " + r[10]).ShouldBe(page.Select(p => p.StatusFact));
        rows.Select(r => r[0]).ShouldContain("'=Leaving");
    }

    [Fact]
    public async Task Export_WithSearchAndFilters_KeepsThemFromThePageToTheFile()
    {
        using var session = await PortalSession.SignInAsync(App, PortalWorld.SubOwner, PortalWorld.Password);
        var pageHtml = await session.GetHtmlAsync("/organizations?q=customer&plan=archiver");
        var exportLink = Regex.Match(pageHtml, "href=\"(/organizations/export\\?[^\"]*)\"[^>]*>Export CSV<").Groups[1].Value;
        exportLink.ShouldBe("/organizations/export?q=customer&amp;plan=archiver");
        var page = await PageRowsAsync(session, "/organizations?q=customer&plan=archiver");
        page.Count.ShouldBeGreaterThan(0);

        var confirmation = Html.Text(await session.GetHtmlAsync(WebUtility.HtmlDecode(exportLink)));
        var export = await ExportAsync(session, WebUtility.HtmlDecode(exportLink));
        var (_, _, rows) = await DownloadAsync(session, export);

        confirmation.ShouldContain("Search “customer”");
        confirmation.ShouldContain("Plan Archiver");
        confirmation.ShouldContain($"Organizations {page.Count}");
        rows.Select(r => r[2]).ShouldBe(page.Select(p => p.PublicId));
        rows.ShouldAllBe(r => r[4] == "Archiver");
        var saved = await App.InDatabaseAsync(db => db.CsvExports.AsNoTracking().SingleAsync(e => e.Id == export));
        saved.Search.ShouldBe("customer");
        saved.PlanType.ShouldBe(Custos.Domain.Plans.PlanType.Archiver);
        saved.ExpectedRows.ShouldBe(page.Count);
    }

    [Fact]
    public async Task Ready_MailsTheLinkToTheRequester_FromThePartnersName_AndAuditsTheRequest()
    {
        using var session = await PortalSession.SignInAsync(App, PortalWorld.SubOwner, PortalWorld.Password);

        var export = await ExportAsync(session, "/organizations/export?status=unsubscribed");

        var (mail, audit) = await App.InDatabaseAsync(async db => (
            await db.OutboxMessages.AsNoTracking().Where(m => m.Kind == "export.ready" && m.TextBody.Contains(export.ToString())).ToListAsync(),
            await db.AuditEntries.AsNoTracking().Where(a => a.EventType == AuditEventType.CsvExportRequested && a.After!.Contains(export.ToString())).ToListAsync()));
        var message = mail.ShouldHaveSingleItem();
        message.ToAddress.ShouldBe(PortalWorld.SubOwner);
        message.Subject.ShouldBe("Your CSV Download is Ready");
        message.FromName.ShouldBe("Sub Partner");
        message.PartnerId.ShouldBe(World.Sub.Id);
        message.TextBody.ShouldContain(new Uri(App.Address, $"organizations/exports/{export}/download").AbsoluteUri);
        message.HtmlBody.ShouldContain($"/organizations/exports/{export}/download");
        var entry = audit.ShouldHaveSingleItem();
        entry.PartnerId.ShouldBe(World.Sub.Id);
        entry.ActorName.ShouldContain(PortalWorld.SubOwner);
    }

    [Fact]
    public async Task Download_ByAParentPartner_Works_ByAnotherTree_Answers404Everywhere()
    {
        using var sub = await PortalSession.SignInAsync(App, PortalWorld.SubOwner, PortalWorld.Password);
        using var top = await PortalSession.SignInAsync(App, PortalWorld.TopOwner, PortalWorld.Password);
        using var other = await PortalSession.SignInAsync(App, ExportWorldFixture.OtherOwner, PortalWorld.Password);
        var export = await ExportAsync(sub, "/organizations/export?status=unsubscribed");

        var (parentName, _, parentRows) = await DownloadAsync(top, export);
        using var foreignLink = await other.GetAsync($"/organizations/exports/{export}/download");
        using var foreignFile = await other.GetAsync($"/organizations/exports/{export}/file");
        var foreignList = await other.GetHtmlAsync("/organizations/exports");
        using var signedOut = await App.CreateHttpClient().GetAsync($"/organizations/exports/{export}/file");

        parentName.ShouldStartWith("Unsubscribed Organization Sub Partner");
        parentRows.Count.ShouldBe(2);
        foreignLink.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        foreignFile.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await foreignFile.Content.ReadAsStringAsync()).ShouldNotContain("Organization ID");
        foreignList.ShouldNotContain(export.ToString());
        signedOut.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        signedOut.Headers.Location!.OriginalString.ShouldContain("/signin");
    }

    [Fact]
    public async Task Download_AfterSevenDays_Answers410_AndTheJobDeletesTheFile()
    {
        using var session = await PortalSession.SignInAsync(App, PortalWorld.SubOwner, PortalWorld.Password);
        var export = await ExportAsync(session, "/organizations/export?status=unsubscribed");
        var file = Path.Combine(App.DataPath, "exports", $"{export:N}.csv");
        File.Exists(file).ShouldBeTrue();

        var past = DateTimeOffset.UtcNow.AddMinutes(-1);
        await App.InDatabaseAsync(db => db.CsvExports.Where(e => e.Id == export).ExecuteUpdateAsync(s => s.SetProperty(e => e.ExpiresAt, past)));
        using var link = await session.GetAsync($"/organizations/exports/{export}/download");
        using var direct = await session.GetAsync($"/organizations/exports/{export}/file");
        await CsvExportJob.TriggerAsync(App.Services, CancellationToken.None);
        await Eventually.Async(() => App.InDatabaseAsync(db => db.CsvExports.AsNoTracking().SingleAsync(e => e.Id == export)),
            e => e.FileDeletedAt is not null, "the expired file deleted");

        link.StatusCode.ShouldBe(HttpStatusCode.Gone);
        Html.Text(await link.Content.ReadAsStringAsync()).ShouldContain("This download link has expired");
        direct.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        PathOf(direct).ShouldBe($"/organizations/exports/{export}/download");
        File.Exists(file).ShouldBeFalse();
        Html.Text(await session.GetHtmlAsync("/organizations/exports")).ShouldContain("Expired");
    }

    [Fact]
    public async Task Link_WhileAnotherNodeRuns_SaysNotReadyWithRowsSoFar_ThenALapsedLeaseIsTakenOver()
    {
        using var session = await PortalSession.SignInAsync(App, PortalWorld.SubOwner, PortalWorld.Password);
        var id = await App.InScopeAsync(async sp =>
        {
            // As another node leaves it: running, 20 rows written, its lease still valid.
            var db = sp.GetRequiredService<AppDbContext>();
            var now = DateTimeOffset.UtcNow;
            var export = CsvExport.Request(World.Sub.Id, Guid.NewGuid(), "Someone", "someone@sub.test",
                new OrganizationExportQuery(OrganizationStatus.Active, "", null, false), 45, now);
            export.Start("Active Organization Sub Partner.csv", now, now.AddHours(1)).Error.ShouldBeNull();
            export.RecordProgress(20, now.AddHours(1));
            db.CsvExports.Add(export);
            await db.SaveChangesAsync();
            return export.Id;
        });

        using var waiting = await session.GetAsync($"/organizations/exports/{id}/download");
        var waitingText = Html.Text(await waiting.Content.ReadAsStringAsync());
        var listText = Html.Text(await session.GetHtmlAsync("/organizations/exports"));
        var past = DateTimeOffset.UtcNow.AddMinutes(-1);
        await App.InDatabaseAsync(db => db.CsvExports.Where(e => e.Id == id).ExecuteUpdateAsync(s => s.SetProperty(e => e.LeaseUntil, past)));
        await CsvExportJob.TriggerAsync(App.Services, CancellationToken.None);
        var done = await WaitReadyAsync(id);

        waiting.StatusCode.ShouldBe(HttpStatusCode.OK);
        waitingText.ShouldContain("This export is not ready yet");
        waitingText.ShouldContain("Running — 20 rows so far");
        listText.ShouldContain("Running — 20 rows so far");
        done.Attempts.ShouldBe(2);
        done.RowsSoFar.ShouldBe(ExportWorldFixture.ActiveOrganizations);
    }

    [Fact]
    public async Task ReadOnlyUser_MayExport_ButAForgedPostIsRefused()
    {
        using var session = await PortalSession.SignInAsync(App, PortalWorld.TopReadOnly, PortalWorld.Password);
        var before = await App.InDatabaseAsync(db => db.CsvExports.CountAsync());

        using var forged = await session.PostFormAsync("/organizations/export", "export-csv", [], token: null);
        var afterForged = await App.InDatabaseAsync(db => db.CsvExports.CountAsync());
        var export = await ExportAsync(session, "/organizations/export?status=deleted");
        var ready = await WaitReadyAsync(export);

        forged.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        afterForged.ShouldBe(before);
        ready.PartnerId.ShouldBe(World.Top.Id);
        ready.RowsSoFar.ShouldBe(1);
    }

    [Fact]
    public async Task Confirmation_WithABrokenSearch_Answers422AndSavesNothing()
    {
        using var session = await PortalSession.SignInAsync(App, PortalWorld.SubOwner, PortalWorld.Password);
        var before = await App.InDatabaseAsync(db => db.CsvExports.CountAsync());
        var tooLong = "/organizations/export?q=" + new string('x', 201);

        using var page = await session.GetAsync(tooLong);
        using var post = await session.PostFormAsync(tooLong, "export-csv", [], await session.TokenFromAsync("/organizations/export"));

        page.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        post.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        Html.Text(await post.Content.ReadAsStringAsync()).ShouldContain("Search is limited to 200 characters.");
        (await App.InDatabaseAsync(db => db.CsvExports.CountAsync())).ShouldBe(before);
    }

    /// Confirms the export at <paramref name="confirmationPath"/>, checks the Exports page it lands
    /// on, and waits for the job to make the file.
    private async Task<Guid> ExportAsync(PortalSession session, string confirmationPath)
    {
        using var response = await session.PostFormAsync(confirmationPath, "export-csv", []);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, Html.Text(await response.Content.ReadAsStringAsync()));
        var location = PathOf(response);
        location.ShouldStartWith("/organizations/exports?requested=");
        var id = Guid.Parse(location[(location.IndexOf('=', StringComparison.Ordinal) + 1)..]);
        var list = await session.GetHtmlAsync(location);
        Html.Text(list).ShouldContain("Your export is queued.");
        await WaitReadyAsync(id);
        return id;
    }

    private Task<CsvExport> WaitReadyAsync(Guid id) =>
        Eventually.Async(() => App.InDatabaseAsync(db => db.CsvExports.AsNoTracking().SingleAsync(e => e.Id == id)),
            e => e.State is CsvExportState.Ready or CsvExportState.Failed, "the export done")
            .ContinueWith(t =>
            {
                t.Result.State.ShouldBe(CsvExportState.Ready, t.Result.Error);
                return t.Result;
            }, TaskScheduler.Default);

    /// Follows the link as the mail gives it: to the file, which comes as an attachment.
    private static async Task<(string FileName, List<string> Header, List<string[]> Rows)> DownloadAsync(PortalSession session, Guid export)
    {
        using var link = await session.GetAsync($"/organizations/exports/{export}/download");
        link.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var filePath = PathOf(link);
        filePath.ShouldBe($"/organizations/exports/{export}/file");
        using var file = await session.GetAsync(filePath);
        file.StatusCode.ShouldBe(HttpStatusCode.OK);
        file.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var fileName = file.Content.Headers.ContentDisposition!.FileNameStar ?? file.Content.Headers.ContentDisposition.FileName!;
        await using var stream = await file.Content.ReadAsStreamAsync();
        using var reader = CsvReader.Create(stream, new CsvReaderOptions { Separator = ',' }, leaveOpen: false);
        await reader.ReadHeaderAsync();
        var header = reader.Headers.ToList();
        var rows = new List<string[]>();
        while (await reader.ReadAsync())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).Select(reader.GetString).ToArray());
        }

        return (fileName, header, rows);
    }

    /// Where a redirect leads, as a local path and query (the host may answer with an absolute address).
    private static string PathOf(HttpResponseMessage redirect) =>
        redirect.Headers.Location is { IsAbsoluteUri: true } absolute ? absolute.PathAndQuery : redirect.Headers.Location!.OriginalString;

    /// A name cell as a person reads it in a spreadsheet: without the ' that keeps a formula-like name text.
    private static string Unescaped(string cell) => cell.Length > 1 && cell[0] == '\'' && "=+-@\t\r".Contains(cell[1]) ? cell[1..] : cell;

    /// Every row of every page of the Organizations page at <paramref name="path"/>, as it shows them.
    private static async Task<List<PageRow>> PageRowsAsync(PortalSession session, string path)
    {
        var rows = new List<PageRow>();
        string? next = path;
        while (next is not null)
        {
            var html = await session.GetHtmlAsync(next);
            var body = Regex.Match(html, "<tbody>(.*?)</tbody>", RegexOptions.Singleline).Groups[1].Value;
            foreach (Match tr in Regex.Matches(body, "<tr>(.*?)</tr>", RegexOptions.Singleline))
            {
                var cells = Regex.Matches(tr.Groups[1].Value, "<td[^>]*>(.*?)</td>", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToList();
                var org = cells[1];
                var plan = cells[2];
                rows.Add(new PageRow(
                    Cell(Regex.Match(org, "class=\"org-name\"[^>]*>(.*?)</(a|span)>", RegexOptions.Singleline).Groups[1].Value),
                    Cell(Regex.Match(org, "<div class=\"muted\">(.*?)</div>", RegexOptions.Singleline).Groups[1].Value),
                    Cell(Regex.Match(org, "<code>(.*?)</code>", RegexOptions.Singleline).Groups[1].Value),
                    Cell(Regex.Match(plan, "<div>(.*?)</div>", RegexOptions.Singleline).Groups[1].Value),
                    Cell(Regex.Match(plan, "<div class=\"muted\">(.*?)</div>", RegexOptions.Singleline).Groups[1].Value),
                    Cell(cells[3]),
                    Cell(Regex.Match(cells[4], "<div>(.*?) stored</div>", RegexOptions.Singleline).Groups[1].Value),
                    Cell(Regex.Match(cells[4], "<div class=\"muted\">of (.*?)</div>", RegexOptions.Singleline).Groups[1].Value),
                    cells.Count > 6 ? Cell(cells[5]) : "",
                    org.Contains("Needs authentication", StringComparison.Ordinal)));
            }

            var nextLink = Regex.Match(html, "rel=\"next\" href=\"([^\"]+)\"");
            next = nextLink.Success ? WebUtility.HtmlDecode(nextLink.Groups[1].Value) : null;
        }

        return rows;
    }

    private static string Cell(string html) => Html.Text(html).Trim();

    private sealed record PageRow(
        string Name, string Email, string PublicId, string Plan, string TypeAndPrice, string Seats, string Storage, string LogicalStorage, string StatusFact,
        bool NeedsAuthentication);
}

public sealed class CsvExportTests_Sqlite(SqliteExportWorldFixture fixture) : CsvExportTests<SqliteExportWorldFixture>(fixture);

public sealed class CsvExportTests_Postgres(PostgresExportWorldFixture fixture) : CsvExportTests<PostgresExportWorldFixture>(fixture);
