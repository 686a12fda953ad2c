using System.Net;
using System.Text.RegularExpressions;
using Custos.Data;
using Custos.Domain.Organizations;
using Custos.Domain.Plans;
using Custos.Web.Hosting;
using Custos.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Custos.Web.Tests;

/// A first run in Development on an empty data folder seeds the demo and prints its sign-in
/// accounts once; a second run on the same folder finds the data and seeds nothing.
public sealed partial class DemoHostFixture : IAsyncLifetime
{
    private CustosApp? _app;

    public TempFolder Data { get; } = new("demo");

    /// The host of the second start, on the data the first start seeded.
    public CustosApp App => _app ?? throw new InvalidOperationException("The host did not start.");

    public string FirstStartOutput { get; private set; } = "";

    public Uri FirstStartAddress { get; private set; } = null!;

    public IReadOnlyList<LogLine> FirstStartProblems { get; private set; } = [];

    public IReadOnlySet<Guid> OrganizationsAfterFirstStart { get; private set; } = new HashSet<Guid>();

    public string SecondStartOutput { get; private set; } = "";

    /// The passwords the first start printed.
    public IReadOnlyList<string> PrintedPasswords => [.. Password().Matches(FirstStartOutput).Select(m => m.Value)];

    public static bool HasPassword(string output) => Password().IsMatch(output);

    public async Task InitializeAsync()
    {
        try
        {
            await StartTwiceAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }

        Data.Dispose();
    }

    private async Task StartTwiceAsync()
    {
        var options = new CustosAppOptions(Data.Path) { Environment = "Development" };
        using var console = new ConsoleCapture();
        await using (var first = await CustosApp.StartAsync(options))
        {
            FirstStartAddress = first.Address;
            await ListeningAsync(console, first);
            FirstStartOutput = console.Text;
            FirstStartProblems = first.Logs.AtLeast(LogLevel.Warning);
            OrganizationsAfterFirstStart = (await first.InDatabaseAsync(db => db.Organizations.Select(o => o.Id).ToListAsync())).ToHashSet();
        }

        var mark = console.Text.Length;
        _app = await CustosApp.StartAsync(options);
        await ListeningAsync(console, _app);
        SecondStartOutput = console.Text[mark..];
    }

    /// The address line is printed in the same ApplicationStarted round as the demo accounts.
    private static Task ListeningAsync(ConsoleCapture console, CustosApp app)
    {
        var line = $"Custos is listening on {app.Address.GetLeftPart(UriPartial.Authority)}";
        return Eventually.Async(() => console.Text.Contains(line, StringComparison.Ordinal), $"the banner line \"{line}\"");
    }

    [GeneratedRegex(@"Cu-[A-Za-z0-9=]+7a")]
    private static partial Regex Password();
}

[Collection(ConsoleCollection.Name)]
public sealed partial class DemoSeedingTests(DemoHostFixture fixture) : IClassFixture<DemoHostFixture>
{
    private CustosApp App => fixture.App;

    [Fact]
    public async Task FirstStart_OnEmptyDevelopmentData_CreatesAnOperatorAndAPartnerOwner()
    {
        var users = await App.InDatabaseAsync(db => db.Users.AsNoTracking().ToListAsync());
        var partners = await App.InDatabaseAsync(db => db.Partners.AsNoTracking().ToListAsync());

        users.Count.ShouldBe(2);
        var op = users.Single(u => u.IsOperator);
        op.PartnerId.ShouldBeNull();
        var owner = users.Single(u => !u.IsOperator);
        owner.Role.ShouldBe(PartnerRole.Owner);
        var ownersPartner = partners.Single(p => p.Id == owner.PartnerId);
        ownersPartner.IsDistributor.ShouldBeFalse();
        ownersPartner.ParentId.ShouldNotBeNull();
    }

    [Fact]
    public async Task FirstStart_OnEmptyDevelopmentData_BuildsTheDemoPartnerTree()
    {
        var partners = await App.InDatabaseAsync(db => db.Partners.AsNoTracking().ToListAsync());

        partners.Count.ShouldBe(4);
        var distributor = partners.Single(p => p.IsDistributor);
        distributor.ParentId.ShouldBeNull();
        distributor.Path.ShouldBe($"/{distributor.Id:N}/");
        var partner = partners.Single(p => p.ParentId == distributor.Id);
        partner.IsDistributor.ShouldBeFalse();
        partner.Path.ShouldBe($"{distributor.Path}{partner.Id:N}/");
        var subPartners = partners.Where(p => p.ParentId == partner.Id).ToList();
        subPartners.Count.ShouldBe(2);
        subPartners.ShouldAllBe(s => s.Path == partner.Path + s.Id.ToString("N") + "/" && !s.IsDistributor);
    }

    [Fact]
    public async Task FirstStart_OnEmptyDevelopmentData_SeedsOrganizationsOfEveryStatusAndPlanType()
    {
        var plans = await App.InDatabaseAsync(db => db.Plans.AsNoTracking().ToListAsync());
        var orgs = await App.InDatabaseAsync(db => db.Organizations.AsNoTracking().ToListAsync());
        var partners = await App.InDatabaseAsync(db => db.Partners.AsNoTracking().ToListAsync());

        plans.Select(p => p.Type).Distinct().Order().ShouldBe([PlanType.Personal, PlanType.Backup, PlanType.Archiver]);
        orgs.Count.ShouldBe(DemoSeeder.OrganizationCount);
        orgs.Count.ShouldBe(60);
        orgs.Select(o => o.Status).Distinct().Order().ShouldBe(Enum.GetValues<OrganizationStatus>());
        orgs.Select(o => o.PlanType).Distinct().Order().ShouldBe(Enum.GetValues<PlanType>());
        orgs.ShouldAllBe(o => o.PlanType == plans.Single(p => p.Id == o.PlanId).Type);
        var seller = partners.Single(p => !p.IsDistributor && partners.Any(c => c.ParentId == p.Id));
        orgs.ShouldAllBe(o => partners.Single(p => p.Id == o.PartnerId).Path.StartsWith(seller.Path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task FirstStart_OnEmptyDevelopmentData_SeedsSourcesLoginAccountsAndJournalAddresses()
    {
        var orgs = await App.InDatabaseAsync(db => db.Organizations.AsNoTracking().ToListAsync());
        var sources = await App.InDatabaseAsync(db => db.CredentialSources.AsNoTracking().ToListAsync());
        var owners = await App.InDatabaseAsync(db => db.LoginAccounts.AsNoTracking().Where(a => a.IsOwner).ToListAsync());

        orgs.ShouldAllBe(o => o.CredentialError == sources.Any(s => s.OrganizationId == o.Id && s.Status == Domain.Organizations.BackupStatus.Error));
        orgs.ShouldAllBe(o => o.HasMicrosoft365AdminCredentials == sources.Any(s => s.OrganizationId == o.Id && s.HasAdminCredentials));
        orgs.ShouldContain(o => o.Status == OrganizationStatus.Active && o.CredentialError);
        orgs.ShouldContain(o => o.HasMicrosoft365AdminCredentials);
        sources.Where(s => s.Status == Domain.Organizations.BackupStatus.Error).ShouldAllBe(s => !string.IsNullOrWhiteSpace(s.ActionNeeded));
        orgs.Where(o => o.PlanType == PlanType.Archiver).ShouldAllBe(o => o.JournalAddress != null);
        orgs.Where(o => o.PlanType != PlanType.Archiver).ShouldAllBe(o => o.JournalAddress == null);
        owners.Select(a => a.OrganizationId).Order().ShouldBe(orgs.Select(o => o.Id).Order());
        owners.ShouldAllBe(a => a.Email == orgs.Single(o => o.Id == a.OrganizationId).OwnerEmail);
    }

    [Fact]
    public async Task FirstStart_OnEmptyDevelopmentData_PurgesDeletedOrganizationsAndKeepsLiveData()
    {
        var orgs = await App.InDatabaseAsync(db => db.Organizations.AsNoTracking().ToListAsync());
        var blobs = App.Blobs;

        var deleted = orgs.Where(o => o.Status == OrganizationStatus.Deleted).ToList();
        var live = orgs.Where(o => o.Status != OrganizationStatus.Deleted).ToList();
        deleted.ShouldNotBeEmpty();
        live.ShouldNotBeEmpty();
        deleted.ShouldAllBe(o => o.PurgedAt != null && !Directory.Exists(blobs.FolderOf(o.Id)));
        live.ShouldAllBe(o => o.PurgedAt == null && Directory.Exists(blobs.FolderOf(o.Id)));
        // Live organizations show stored and logical usage (deduplication and compression make the stored smaller); purged ones none.
        live.ShouldAllBe(o => o.StorageUsedBytes > 0 && o.StorageLogicalBytes > o.StorageUsedBytes);
        deleted.ShouldAllBe(o => o.StorageUsedBytes == 0 && o.StorageLogicalBytes == 0);
        App.Storage.BlobPath.ShouldBe(Path.Combine(fixture.Data.Path, "blobs"));
    }

    [Fact]
    public async Task FirstStart_OnEmptyDevelopmentData_PrintsWorkingCredentialsOnce()
    {
        fixture.FirstStartOutput.ShouldContain("Demo data created");
        fixture.FirstStartOutput.ShouldContain("operator@custos.test");
        fixture.FirstStartOutput.ShouldContain("owner@contoso-it.test");
        fixture.FirstStartOutput.ShouldContain($"Custos is listening on {fixture.FirstStartAddress.GetLeftPart(UriPartial.Authority)}");
        var passwords = fixture.PrintedPasswords;
        passwords.Count.ShouldBe(3);

        var signIns = await App.InScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserManager<AppUser>>();
            var op = await users.FindByEmailAsync("operator@custos.test");
            var owner = await users.FindByEmailAsync("owner@contoso-it.test");
            return new[] { await users.CheckPasswordAsync(op!, passwords[0]), await users.CheckPasswordAsync(owner!, passwords[1]) };
        });
        signIns.ShouldBe([true, true]);

        // The third account is an organization's owner, for the customer portal.
        var customer = CustomerLine().Match(fixture.FirstStartOutput);
        customer.Success.ShouldBeTrue("the banner should list the customer account");
        customer.Groups[2].Value.ShouldBe(passwords[2]);
        fixture.FirstStartOutput.ShouldContain("/portal/signin");
        using var anonymous = PortalSession.Anonymous(App);
        using var response = await anonymous.PostFormAsync("/portal/signin", "portal-signin", CustomerPortal.CustomerWorld.SignInForm(customer.Groups[1].Value, passwords[2]));
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        CustomerPortal.CustomerWorld.Where(response).ShouldBe("/portal");
    }

    [GeneratedRegex(@"Customer\s+(\S+@\S+)\s+(Cu-[A-Za-z0-9=]+7a)")]
    private static partial Regex CustomerLine();

    [Fact]
    public async Task SecondStart_OnSeededData_SeedsNothingAndPrintsNoCredentials()
    {
        var orgs = await App.InDatabaseAsync(db => db.Organizations.Select(o => o.Id).ToListAsync());
        var partners = await App.InDatabaseAsync(db => db.Partners.CountAsync());
        var users = await App.InDatabaseAsync(db => db.Users.CountAsync());

        orgs.ToHashSet().SetEquals(fixture.OrganizationsAfterFirstStart).ShouldBeTrue();
        orgs.Count.ShouldBe(60);
        partners.ShouldBe(4);
        users.ShouldBe(2);
        fixture.SecondStartOutput.ShouldContain($"Custos is listening on {App.Address.GetLeftPart(UriPartial.Authority)}");
        fixture.SecondStartOutput.ShouldNotContain("Demo data created");
        fixture.SecondStartOutput.ShouldNotContain("operator@custos.test");
        DemoHostFixture.HasPassword(fixture.SecondStartOutput).ShouldBeFalse();
    }

    [Fact]
    public void FirstStart_OnEmptyDevelopmentData_LogsNoErrors() =>
        fixture.FirstStartProblems.Where(l => l.Level >= LogLevel.Error).ShouldBeEmpty();
}
