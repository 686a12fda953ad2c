using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Plans;
using Custos.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Custos.Web.Tests;

/// A Development host with the demo seeded (60 organizations under the demo partner), the demo
/// owner's password set to a known one, and a Read-only user of the same partner.
public sealed class DemoPortalFixture : IAsyncLifetime
{
    public const string Owner = "owner@contoso-it.test";
    public const string ReadOnly = "readonly@contoso-it.test";
    public const string Password = "Organizations-Page-Test-1";

    private CustosApp? _app;

    public TempFolder Data { get; } = new("orgpage");

    public CustosApp App => _app ?? throw new InvalidOperationException("The host did not start.");

    /// The demo partner (the owner's) and its path: every seeded organization lies in its subtree.
    public Guid PartnerId { get; private set; }

    public string PartnerPath { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _app = await CustosApp.StartAsync(new CustosAppOptions(Data.Path) { Environment = "Development" });
        (PartnerId, PartnerPath) = await App.InScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserManager<AppUser>>();
            var owner = await users.FindByEmailAsync(Owner) ?? throw new InvalidOperationException("The demo owner was not seeded.");
            (await users.RemovePasswordAsync(owner)).Succeeded.ShouldBeTrue();
            (await users.AddPasswordAsync(owner, Password)).Succeeded.ShouldBeTrue();
            var readOnly = new AppUser
            {
                UserName = ReadOnly,
                Email = ReadOnly,
                EmailConfirmed = true,
                DisplayName = "Rita Reader",
                PartnerId = owner.PartnerId,
                Role = PartnerRole.ReadOnly,
            };
            (await users.CreateAsync(readOnly, Password)).Succeeded.ShouldBeTrue();
            var db = sp.GetRequiredService<AppDbContext>();
            var partner = await db.Partners.AsNoTracking().SingleAsync(p => p.Id == owner.PartnerId);
            return (partner.Id, partner.Path);
        });
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        Data.Dispose();
    }
}

/// The Organizations page over real HTTP, as a browser without script sees it.
public sealed partial class OrganizationsPageTests(DemoPortalFixture fixture) : IClassFixture<DemoPortalFixture>
{
    private CustosApp App => fixture.App;

    [Fact]
    public async Task Page_WhenSignedOut_RedirectsToSignIn()
    {
        using var http = App.CreateHttpClient();

        using var response = await http.GetAsync("/organizations?status=suspended");

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var location = response.Headers.Location?.OriginalString ?? "";
        location.ShouldContain("/signin");
        location.ShouldContain("ReturnUrl=");
    }

    [Fact]
    public async Task Page_ForDemoOwner_ShowsEveryTabWithItsCountAndActiveSelected()
    {
        using var session = await OwnerAsync();
        var counts = await CountsAsync();

        var html = await session.GetHtmlAsync("/organizations");

        Html.Title(html).ShouldBe("Organizations — Custos");
        html.ShouldContain("<h1>Organizations</h1>");
        var tabs = Tabs(html);
        tabs.Select(t => t.Name).ShouldBe(["Active", "Suspended", "Unsubscribed", "Deleted"]);
        foreach (var tab in tabs)
        {
            tab.Count.ShouldBe(counts[Enum.Parse<OrganizationStatus>(tab.Name)], tab.Name);
        }

        tabs.Single(t => t.Current).Name.ShouldBe("Active");
        counts.Values.Sum().ShouldBeGreaterThanOrEqualTo(60);
        html.ShouldContain("href=\"/organizations/new\"");
        html.ShouldContain("<label for=\"org-search\">Search by name or Organization ID</label>");
        html.ShouldContain("<label for=\"org-plan\">Plan</label>");
        html.ShouldContain("<label for=\"org-credential\">Credentials</label>");
        html.ShouldContain("aria-label=\"Organizations\"");
    }

    [Fact]
    public async Task Page_ForDemoOwner_ListsTheFirstTwentyInNameOrderAndPagesOn()
    {
        using var session = await OwnerAsync();
        var expected = await IdsInOrderAsync(OrganizationStatus.Active);
        expected.Count.ShouldBeGreaterThan(ListOrganizations.PageSize, "the demo needs more than one page of active organizations");

        var first = await session.GetHtmlAsync("/organizations");
        var next = NextLink(first).ShouldNotBeNull();
        var second = await session.GetHtmlAsync(next);
        var back = await session.GetHtmlAsync(PreviousLink(second).ShouldNotBeNull());

        PublicIds(first).ShouldBe(expected.Take(20));
        PreviousLink(first).ShouldBeNull();
        PublicIds(second).ShouldBe(expected.Skip(20).Take(20));
        PublicIds(back).ShouldBe(expected.Take(20));
        PreviousLink(back).ShouldBeNull();
    }

    [Theory]
    [InlineData("suspended", OrganizationStatus.Suspended, "Suspended since ")]
    [InlineData("unsubscribed", OrganizationStatus.Unsubscribed, "Purge on ")]
    [InlineData("DELETED", OrganizationStatus.Deleted, "Deleted on ")]
    public async Task Page_OfAStatusTab_ListsItsRowsWithTheirStatusFact(string query, OrganizationStatus status, string fact)
    {
        using var session = await OwnerAsync();
        var expected = await IdsInOrderAsync(status);

        var html = await session.GetHtmlAsync("/organizations?status=" + query);

        Tabs(html).Single(t => t.Current).Name.ShouldBe(status.ToString());
        PublicIds(html).ShouldBe(expected.Take(20));
        Regex.Matches(Html.Text(html), Regex.Escape(fact) + @"\d{4}-\d{2}-\d{2}").Count.ShouldBe(Math.Min(20, expected.Count));
    }

    [Fact]
    public async Task Page_Row_ShowsPlanPriceSeatsStorageAndActions()
    {
        using var session = await OwnerAsync();
        var row = await App.InDatabaseAsync(db => db.Organizations.AsNoTracking()
            .Where(o => o.Status == OrganizationStatus.Active && o.PlanType != PlanType.Personal && !o.AutoLicense && o.CredentialError)
            .Join(db.Plans, o => o.PlanId, p => p.Id, (o, p) => new { o.Id, o.Name, o.PublicId, o.OwnerEmail, o.Seats, o.SeatsInUse, o.PlanType, Plan = p.Name, p.MonthlyPrice })
            .FirstAsync());

        var html = await session.GetHtmlAsync("/organizations?q=" + Uri.EscapeDataString(row.PublicId));
        var text = Html.Text(html);

        PublicIds(html).ShouldBe([row.PublicId]);
        text.ShouldContain(row.Name);
        text.ShouldContain(row.OwnerEmail);
        text.ShouldContain(row.Plan);
        text.ShouldContain($"EUR {row.MonthlyPrice.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)} per seat / month");
        text.ShouldContain($"{row.SeatsInUse} / {row.Seats}");
        text.ShouldMatch(@"\d+(\.\d)? (B|KB|MB|GB|TB)");
        text.ShouldContain("Actions for " + row.Name);
        html.ShouldContain($"href=\"/organizations/{row.Id}\"");
        html.ShouldContain($"href=\"/organizations/{row.Id}/credentials\"");
        text.ShouldContain("Go to credential page");
        html.ShouldContain($"href=\"/organizations/{row.Id}/login-accounts?confirm=reset-password\">Send reset password</a>");
        html.ShouldContain($"action=\"/organizations/{row.Id}/log-in-as-client\"");
        text.ShouldContain("Log in as client");
        text.ShouldNotContain("Available soon");
        html.ShouldContain($"aria-label=\"{row.PlanType} plan\"");
    }

    [Fact]
    public async Task Page_WithSearchAndFilters_KeepsThemInTheFormAndLinks()
    {
        using var session = await OwnerAsync();
        var archivers = await IdsInOrderAsync(OrganizationStatus.Active, PlanType.Archiver);

        var html = await session.GetHtmlAsync("/organizations?plan=archiver&q=%20");

        PublicIds(html).ShouldBe(archivers.Take(20));
        html.ShouldMatch("<option value=\"archiver\" selected[^>]*>Archiver</option>");
        Tabs(html).Single(t => t.Name == "Suspended").Href.ShouldBe("/organizations?status=suspended&amp;plan=archiver");
    }

    [Fact]
    public async Task Page_WithSearchMatchingNothing_SaysSoAndOffersToClear()
    {
        using var session = await OwnerAsync();

        var html = await session.GetHtmlAsync("/organizations?q=" + Uri.EscapeDataString("no such <b>\"org\"</b> 100%"));

        PublicIds(html).ShouldBeEmpty();
        Html.Text(html).ShouldContain("No organizations match “no such <b>\"org\"</b> 100%”.");
        html.ShouldNotContain("<b>\"org\"</b>");
        html.ShouldContain(">Clear search</a>");
        Tabs(html).ShouldAllBe(t => t.Count == 0);
    }

    public static TheoryData<string, string> BadQueries => new()
    {
        { "q=" + new string('a', 10_000), "Search is limited to 200 characters." },
        { "q=" + Uri.EscapeDataString(new string('é', 3_000)), "Search is limited to 200 characters." },
        { "q=a%00b", "Search cannot contain control characters" },
        { "q=line%0Abreak", "Search cannot contain control characters" },
        { "q=%07", "Search cannot contain control characters" },
        { "q=%FF%FE", "Search cannot contain control characters" },
        { "q=%E0%A4%A", "Search cannot contain control characters" },
        { "q=%C3", "Search cannot contain control characters" },
        { "q=%ZZ", "Search cannot contain control characters" },
        { "q=%", "Search cannot contain control characters" },
        { "q=ok&q=%%25%", "Search cannot contain control characters" },
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task Page_WithInvalidSearch_Answers200WithTheValidationMessage(string query, string message)
    {
        using var session = await OwnerAsync();
        var logMark = App.Logs.Count;

        var (status, html) = await RawGetAsync(session, "/organizations?" + query);

        status.ShouldBe(200);
        Html.Text(html).ShouldContain(message);
        html.ShouldContain("role=\"alert\"");
        html.ShouldContain("aria-invalid=\"true\"");
        PublicIds(html).ShouldBeEmpty();
        App.Logs.AtLeast(LogLevel.Error, logMark).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("q=100%25")]
    [InlineData("q=a&q=b")]
    [InlineData("status=%00&plan=%FF&credential=x")]
    [InlineData("status=9&plan=1")]
    [InlineData("after=garbage")]
    [InlineData("before=%%%")]
    [InlineData("after=&before=")]
    public async Task Page_WithOddQueryStrings_Answers200(string query)
    {
        using var session = await OwnerAsync();
        var logMark = App.Logs.Count;

        using var response = await session.GetAsync("/organizations?" + query);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        Html.Title(await response.Content.ReadAsStringAsync()).ShouldBe("Organizations — Custos");
        App.Logs.AtLeast(LogLevel.Error, logMark).ShouldBeEmpty();
    }

    [Fact]
    public async Task Page_ForReadOnlyUser_ShowsNoChangeButtons()
    {
        using var session = await PortalSession.SignInAsync(App, DemoPortalFixture.ReadOnly, DemoPortalFixture.Password);

        var html = await session.GetHtmlAsync("/organizations");

        PublicIds(html).Count.ShouldBe(20);
        html.ShouldNotContain("/organizations/new");
        Html.Text(html).ShouldNotContain("New organization");
        Html.Text(html).ShouldNotContain("Send reset password");
        Html.Text(html).ShouldNotContain("Log in as client");
        Html.Text(html).ShouldContain("View details");
    }

    [Fact]
    public async Task Page_WithMarkupInAName_EscapesIt()
    {
        using var session = await OwnerAsync();
        const string name = "<script>alert('x')</script> & \"Sons\"";
        await App.InScopeAsync(async sp =>
        {
            var plan = await sp.GetRequiredService<AppDbContext>().Plans.AsNoTracking().FirstAsync(p => p.Type == PlanType.Backup);
            var created = await sp.GetRequiredService<CreateOrganization>().HandleAsync(
                new CreateOrganizationRequest(new Scope(fixture.PartnerPath), new Actor("tests", "Web tests"), fixture.PartnerId, plan.Id,
                    new NewOrganization(new PersonalInfo("Mal", "Lory", "mal.lory@example.test", "DE", name), AutoLicense: false, Seats: 3)),
                CancellationToken.None);
            created.Error.ShouldBeNull();
        });

        var html = await session.GetHtmlAsync("/organizations?q=" + Uri.EscapeDataString("<script>"));

        PublicIds(html).Count.ShouldBe(1);
        html.ShouldNotContain("<script>alert");
        html.ShouldContain("&lt;script&gt;alert(");
        Html.Text(html).ShouldContain(name);
    }

    // ---- helpers ----------------------------------------------------------------------------

    /// Sends the request target byte for byte (HttpClient would re-escape a broken "%" escape),
    /// with the session's cookies, over HTTP/1.0 so the answer is not chunked.
    private async Task<(int Status, string Body)> RawGetAsync(PortalSession session, string target)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(App.Address.Host, App.Address.Port);
        await using var stream = tcp.GetStream();
        var request = $"GET {target} HTTP/1.0\r\nHost: {App.Address.Authority}\r\nCookie: {session.Cookies.GetCookieHeader(App.Address)}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync();
        var status = int.Parse(response.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        var bodyStart = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (status, bodyStart < 0 ? "" : response[(bodyStart + 4)..]);
    }

    private Task<PortalSession> OwnerAsync() => PortalSession.SignInAsync(App, DemoPortalFixture.Owner, DemoPortalFixture.Password);

    private Task<Dictionary<OrganizationStatus, int>> CountsAsync() =>
        App.InDatabaseAsync(async db =>
        {
            var ids = await InPartnerAsync(db).Select(o => o.Status).ToListAsync();
            return Enum.GetValues<OrganizationStatus>().ToDictionary(s => s, s => ids.Count(x => x == s));
        });

    /// The Organization IDs of one tab in the page's order, read straight from the database.
    private Task<List<string>> IdsInOrderAsync(OrganizationStatus status, PlanType? plan = null) =>
        App.InDatabaseAsync(db => InPartnerAsync(db)
            .Where(o => o.Status == status && (plan == null || o.PlanType == plan))
            .OrderBy(o => o.NameNormalized).ThenBy(o => o.Id)
            .Select(o => o.PublicId)
            .ToListAsync());

    private IQueryable<Organization> InPartnerAsync(AppDbContext db)
    {
        var path = fixture.PartnerPath;
        return db.Organizations.AsNoTracking().Where(o => db.Partners.Any(p => p.Id == o.PartnerId && p.Path.StartsWith(path)));
    }

    private static List<string> PublicIds(string html) => [.. IdPattern().Matches(html).Select(m => m.Groups[1].Value)];

    private static List<Tab> Tabs(string html)
    {
        var nav = TabNavPattern().Match(html);
        nav.Success.ShouldBeTrue("the page has the status tabs");
        return [.. TabPattern().Matches(nav.Value).Select(m => new Tab(
            m.Groups["name"].Value,
            m.Groups["count"].Success ? int.Parse(m.Groups["count"].Value, System.Globalization.CultureInfo.InvariantCulture) : null,
            m.Groups["attrs"].Value.Contains("aria-current=\"page\"", StringComparison.Ordinal),
            HrefPattern().Match(m.Groups["attrs"].Value).Groups[1].Value))];
    }

    private static string? NextLink(string html) => LinkWithRel(html, "next");

    private static string? PreviousLink(string html) => LinkWithRel(html, "prev");

    private static string? LinkWithRel(string html, string rel)
    {
        var link = Regex.Match(html, $"<a [^>]*rel=\"{rel}\"[^>]*>");
        return link.Success ? WebUtility.HtmlDecode(HrefPattern().Match(link.Value).Groups[1].Value) : null;
    }

    private sealed record Tab(string Name, int? Count, bool Current, string Href);

    [GeneratedRegex(@"<code>(ORG-[0-9A-Z]{8})</code>")]
    private static partial Regex IdPattern();

    [GeneratedRegex("<nav class=\"tabs\".*?</nav>", RegexOptions.Singleline)]
    private static partial Regex TabNavPattern();

    [GeneratedRegex("<a (?<attrs>[^>]*)>\\s*(?<name>\\w+)\\s*(?:<span class=\"tab-count\">(?<count>\\d+)</span>)?", RegexOptions.Singleline)]
    private static partial Regex TabPattern();

    [GeneratedRegex("href=\"([^\"]*)\"")]
    private static partial Regex HrefPattern();
}
