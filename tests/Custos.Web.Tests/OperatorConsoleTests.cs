using System.Net;
using Custos.ControlPlane.Transfers;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Partners;
using Custos.Domain.Transfers;
using Custos.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Custos.Web.Tests;

/// The operator console, the distributors' Partners page and the audit journal over plain HTTP:
/// who may open and post to which page, and what the forms save.
public sealed class OperatorConsoleTests(SqlitePortalWorldFixture fixture) : IClassFixture<SqlitePortalWorldFixture>, IAsyncLifetime
{
    private static readonly string[] OperatorPages =
        ["/operator", "/operator/transfers", "/operator/partners", "/operator/plans", "/operator/settings"];

    private int _logMark;

    private CustosApp App => fixture.App;

    private PortalWorld World => fixture.World;

    public async Task InitializeAsync()
    {
        // The seeded world deletes an organization while the purge job (every second) may already
        // be purging it; let that run finish so its outcome is not taken for this test's.
        var purges = await JobRuns.AttachAsync(App, Hosting.PurgeJob.Key);
        await purges.WaitForMoreAsync(1);
        _logMark = App.Logs.Count;
    }

    public Task DisposeAsync()
    {
        App.Logs.AtLeast(LogLevel.Error, _logMark).ShouldBeEmpty();
        return Task.CompletedTask;
    }

    // ---- access ------------------------------------------------------------------------------

    [Fact]
    public async Task OperatorPages_ForAPartnerUser_Answer403OnGetAndOnForgedPosts()
    {
        using var partner = await PortalSession.SignInAsync(App, PortalWorld.TopOwner, PortalWorld.Password);
        var token = await partner.TokenFromAsync("/organizations");
        var settingsBefore = await App.InDatabaseAsync(db => db.PlatformSettings.AsNoTracking().SingleAsync());

        foreach (var page in OperatorPages)
        {
            using var get = await partner.GetAsync(page);
            get.StatusCode.ShouldBe(HttpStatusCode.Forbidden, page);
        }

        var posts = new (string Path, string Form, Dictionary<string, string?> Fields)[]
        {
            ("/operator/settings", "settings", new() { ["Input.GraceDays"] = "1", ["Input.Version"] = settingsBefore.Version.ToString() }),
            ("/operator/partners", "create-partner", new() { ["Input.Name"] = "Forged Partner", ["Input.Country"] = "DE" }),
            ("/operator/plans", "create-plan", new() { ["Input.Name"] = "Forged Plan", ["Input.Type"] = "Backup", ["Input.Price"] = "1", ["Input.Currency"] = "EUR", ["Input.Storage"] = "1" }),
        };
        foreach (var (path, form, fields) in posts)
        {
            using var post = await partner.PostFormAsync(path, form, fields, token);
            post.StatusCode.ShouldBe(HttpStatusCode.Forbidden, path);
        }

        (await App.InDatabaseAsync(db => db.PlatformSettings.AsNoTracking().SingleAsync())).UnsubscribeGraceDays.ShouldBe(settingsBefore.UnsubscribeGraceDays);
        (await App.InDatabaseAsync(db => db.Partners.AnyAsync(p => p.Name == "Forged Partner"))).ShouldBeFalse();
        (await App.InDatabaseAsync(db => db.Plans.AnyAsync(p => p.Name == "Forged Plan"))).ShouldBeFalse();
    }

    [Fact]
    public async Task OperatorPages_Anonymous_RedirectToSignIn_AndOperatorSeesThem()
    {
        using var anonymous = PortalSession.Anonymous(App);
        using var op = await OperatorSessionAsync();

        foreach (var page in OperatorPages)
        {
            using var response = await anonymous.GetAsync(page);
            response.StatusCode.ShouldBe(HttpStatusCode.Redirect, page);
            response.Headers.Location!.OriginalString.ShouldContain("/signin");
            (await op.GetHtmlAsync(page)).ShouldContain("Custos operator");
        }
    }

    // ---- platform settings -------------------------------------------------------------------

    [Theory]
    [InlineData("0")]
    [InlineData("366")]
    [InlineData("-5")]
    [InlineData("abc")]
    [InlineData("")]
    public async Task Settings_WithGraceOutOfRange_Answers422WithTheFieldMessage(string days)
    {
        using var op = await OperatorSessionAsync();
        var version = (await App.InDatabaseAsync(db => db.PlatformSettings.AsNoTracking().SingleAsync())).Version;

        using var response = await op.PostFormAsync("/operator/settings", "settings",
            new Dictionary<string, string?> { ["Input.GraceDays"] = days, ["Input.Version"] = version.ToString() });

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var html = await response.Content.ReadAsStringAsync();
        html.ShouldContain("id=\"graceDays-error\"");
        html.ShouldContain("from 1 to 365");
    }

    [Fact]
    public async Task Settings_Saved_ChangeGraceAndNewPartnersDefault_AndAStaleFormIsRefused()
    {
        using var op = await OperatorSessionAsync();
        var before = await App.InDatabaseAsync(db => db.PlatformSettings.AsNoTracking().SingleAsync());

        using var saved = await op.PostFormAsync("/operator/settings", "settings", new Dictionary<string, string?>
        {
            ["Input.GraceDays"] = "30",
            ["Input.KeepBackingUpByDefault"] = "true",
            ["Input.Version"] = before.Version.ToString(),
        });
        using var stale = await op.PostFormAsync("/operator/settings", "settings", new Dictionary<string, string?>
        {
            ["Input.GraceDays"] = "90",
            ["Input.Version"] = before.Version.ToString(),
        });

        saved.StatusCode.ShouldBe(HttpStatusCode.OK);
        stale.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var after = await App.InDatabaseAsync(db => db.PlatformSettings.AsNoTracking().SingleAsync());
        after.UnsubscribeGraceDays.ShouldBe(30);
        after.KeepBackingUpSuspendedByDefault.ShouldBeTrue();

        using var created = await op.PostFormAsync("/operator/partners", "create-partner",
            new Dictionary<string, string?> { ["Input.Name"] = "Keeps Backing Up", ["Input.Country"] = "de" });
        created.StatusCode.ShouldBe(HttpStatusCode.OK);
        var partner = await App.InDatabaseAsync(db => db.Partners.AsNoTracking().SingleAsync(p => p.Name == "Keeps Backing Up"));
        partner.KeepBackingUpSuspended.ShouldBeTrue();
        partner.Country.ShouldBe("DE");

        // Back to the defaults for the other tests of this class.
        using var reset = await op.PostFormAsync("/operator/settings", "settings", new Dictionary<string, string?>
        {
            ["Input.GraceDays"] = "45",
            ["Input.Version"] = after.Version.ToString(),
        });
        reset.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    // ---- partners and plans ------------------------------------------------------------------

    [Fact]
    public async Task Partners_CreateUnderAParentWithAGeneratedId_RefuseBadInput_AndDeactivate()
    {
        using var op = await OperatorSessionAsync();

        using var bad = await op.PostFormAsync("/operator/partners", "create-partner",
            new Dictionary<string, string?> { ["Input.Name"] = "  ", ["Input.Country"] = "XX", ["Input.Parent"] = "not-a-guid" });
        bad.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("id=\"parent-error\"");

        using var bad2 = await op.PostFormAsync("/operator/partners", "create-partner",
            new Dictionary<string, string?> { ["Input.Name"] = "  ", ["Input.Country"] = "XX" });
        var badHtml = await bad2.Content.ReadAsStringAsync();
        bad2.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        badHtml.ShouldContain("id=\"name-error\"");
        badHtml.ShouldContain("id=\"country-error\"");

        using var created = await op.PostFormAsync("/operator/partners", "create-partner", new Dictionary<string, string?>
        {
            ["Input.Name"] = "Branch Office",
            ["Input.Country"] = "AT",
            ["Input.Parent"] = World.Top.Id.ToString(),
        });
        created.StatusCode.ShouldBe(HttpStatusCode.OK);
        var partner = await App.InDatabaseAsync(db => db.Partners.AsNoTracking().SingleAsync(p => p.Name == "Branch Office"));
        partner.ParentId.ShouldBe(World.Top.Id);
        partner.PublicId.ShouldStartWith("P-");
        (await created.Content.ReadAsStringAsync()).ShouldContain(partner.PublicId);

        using var deactivated = await op.PostFormAsync("/operator/partners", $"deactivate-{partner.Id:N}", []);
        deactivated.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await App.InDatabaseAsync(db => db.Partners.AsNoTracking().SingleAsync(p => p.Id == partner.Id))).IsActive.ShouldBeFalse();
        (await App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.PartnerId == partner.Id
            && (a.EventType == AuditEventType.PartnerCreated || a.EventType == AuditEventType.PartnerDeactivated)))).ShouldBe(2);
    }

    [Fact]
    public async Task Plans_PublishAPlan_RefuseBadInput_AndSetWhatAPartnerOffers()
    {
        using var op = await OperatorSessionAsync();

        using var bad = await op.PostFormAsync("/operator/plans", "create-plan", new Dictionary<string, string?>
        {
            ["Input.Name"] = "",
            ["Input.Type"] = "Gold",
            ["Input.Price"] = "cheap",
            ["Input.Currency"] = "EUR",
            ["Input.Storage"] = "-1",
        });
        bad.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var badHtml = await bad.Content.ReadAsStringAsync();
        badHtml.ShouldContain("id=\"type-error\"");
        badHtml.ShouldContain("id=\"monthlyPrice-error\"");

        using var created = await op.PostFormAsync("/operator/plans", "create-plan", new Dictionary<string, string?>
        {
            ["Input.Name"] = "Archiver Max",
            ["Input.Type"] = "Archiver",
            ["Input.Price"] = "7.25",
            ["Input.Currency"] = "eur",
            ["Input.Storage"] = "2000",
        });
        created.StatusCode.ShouldBe(HttpStatusCode.OK);
        var plan = await App.InDatabaseAsync(db => db.Plans.AsNoTracking().SingleAsync(p => p.Name == "Archiver Max"));
        plan.MonthlyPrice.ShouldBe(7.25m);
        plan.Currency.ShouldBe("EUR");

        var path = $"/operator/plans?partner={World.Quiet.Id}";
        using var offered = await op.PostFormAsync(path, "offerings",
            [new("plan", World.Backup.Id.ToString()), new("plan", plan.Id.ToString())]);
        offered.StatusCode.ShouldBe(HttpStatusCode.OK);
        var ids = await App.InDatabaseAsync(db => db.PlanOfferings.Where(o => o.PartnerId == World.Quiet.Id).Select(o => o.PlanId).ToListAsync());
        ids.ShouldBe(new[] { World.Backup.Id, plan.Id }, ignoreOrder: true);
    }

    // ---- transfer queue ----------------------------------------------------------------------

    [Fact]
    public async Task TransferQueue_ApproveAndRejectWithReason_AndAnEmptyReasonIs422()
    {
        using var op = await OperatorSessionAsync();
        var toApprove = await RequestTransferAsync(await NewOrgAsync("queue-a"));
        var toReject = await RequestTransferAsync(await NewOrgAsync("queue-b"));

        var page = await op.GetHtmlAsync("/operator/transfers");
        page.ShouldContain("Transfer queue-a");
        page.ShouldContain(World.Other.PublicId);

        using var empty = await op.PostFormAsync("/operator/transfers", $"reject-{toReject.Id:N}",
            new Dictionary<string, string?> { ["reason"] = "  ", ["version"] = toReject.Version.ToString() });
        empty.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await empty.Content.ReadAsStringAsync()).ShouldContain("id=\"reason-error\"");

        using var approved = await op.PostFormAsync("/operator/transfers", $"approve-{toApprove.Id:N}",
            new Dictionary<string, string?> { ["version"] = toApprove.Version.ToString() });
        using var rejected = await op.PostFormAsync("/operator/transfers", $"reject-{toReject.Id:N}",
            new Dictionary<string, string?> { ["reason"] = "=cmd| unpaid invoices", ["version"] = toReject.Version.ToString() });
        using var again = await op.PostFormAsync("/operator/transfers", $"approve-{toApprove.Id:N}",
            new Dictionary<string, string?> { ["version"] = toApprove.Version.ToString() });

        approved.StatusCode.ShouldBe(HttpStatusCode.OK);
        rejected.StatusCode.ShouldBe(HttpStatusCode.OK);
        again.StatusCode.ShouldNotBe(HttpStatusCode.OK);
        var states = await App.InDatabaseAsync(db => db.Transfers.AsNoTracking()
            .Where(t => t.Id == toApprove.Id || t.Id == toReject.Id).ToDictionaryAsync(t => t.Id));
        states[toApprove.Id].Status.ShouldBe(TransferStatus.Approved);
        states[toApprove.Id].EffectiveAt.ShouldNotBeNull();
        states[toReject.Id].Status.ShouldBe(TransferStatus.Rejected);
        states[toReject.Id].Reason.ShouldBe("=cmd| unpaid invoices");
    }

    // ---- the distributors' Partners page ------------------------------------------------------

    [Fact]
    public async Task DistributorPartnersPage_RevokesAndRestoresTransfers_OthersAreRefused()
    {
        var (_, child, ownerEmail, readOnlyEmail) = await DistributorAsync();
        using var owner = await PortalSession.SignInAsync(App, ownerEmail, PortalWorld.Password);
        using var readOnly = await PortalSession.SignInAsync(App, readOnlyEmail, PortalWorld.Password);
        using var notDistributor = await PortalSession.SignInAsync(App, PortalWorld.TopOwner, PortalWorld.Password);

        (await owner.GetHtmlAsync("/partners")).ShouldContain(child.PublicId);
        (await owner.GetHtmlAsync("/organizations")).ShouldContain("href=\"/partners\"");
        using var readOnlyGet = await readOnly.GetAsync("/partners");
        readOnlyGet.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var notDistributorGet = await notDistributor.GetAsync("/partners");
        notDistributorGet.StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        using var forged = await readOnly.PostFormAsync("/partners", $"transfers-{child.Id:N}", [], await readOnly.TokenFromAsync("/organizations"));
        forged.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await MayTransferAsync(child.Id)).ShouldBeTrue();

        using var revoked = await owner.PostFormAsync("/partners", $"transfers-{child.Id:N}", []);
        revoked.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await revoked.Content.ReadAsStringAsync()).ShouldContain("Transfers are revoked");
        (await MayTransferAsync(child.Id)).ShouldBeFalse();

        using var restored = await owner.PostFormAsync("/partners", $"transfers-{child.Id:N}", []);
        restored.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await MayTransferAsync(child.Id)).ShouldBeTrue();
        (await App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.PartnerId == child.Id
            && (a.EventType == AuditEventType.PartnerTransfersRevoked || a.EventType == AuditEventType.PartnerTransfersRestored)))).ShouldBe(2);
    }

    // ---- audit journal -----------------------------------------------------------------------

    [Fact]
    public async Task AuditPage_ShowsTheSubtreeOnly_FiltersByType_AndRefusesABadDate()
    {
        using var owner = await PortalSession.SignInAsync(App, PortalWorld.TopOwner, PortalWorld.Password);

        var all = await owner.GetHtmlAsync("/audit");
        var created = await owner.GetHtmlAsync($"/audit?type={(int)AuditEventType.OrganizationCreated}");
        var deleted = await owner.GetHtmlAsync($"/audit?type={(int)AuditEventType.OrganizationDeleted}&actor=web%20tests");
        using var badDate = await owner.GetAsync("/audit?from=2026-13-45");

        all.ShouldContain(World.TopOrganization.PublicId);
        all.ShouldNotContain(World.OtherOrganization.PublicId);
        created.ShouldContain(World.TopOrganization.PublicId);
        created.ShouldNotContain("<td>Organization deleted</td>");
        all.ShouldContain("<td>Organization deleted</td>");
        deleted.ShouldContain(World.DeletedOrganization.PublicId);
        deleted.ShouldNotContain(World.TopOrganization.PublicId);
        badDate.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await badDate.Content.ReadAsStringAsync()).ShouldContain("id=\"from-error\"");
    }

    [Fact]
    public async Task AuditCsv_IsADownloadOfTheScopeWithFormulasEscaped_AndTheTabShowsTheOrganizationsEntries()
    {
        using var owner = await PortalSession.SignInAsync(App, PortalWorld.TopOwner, PortalWorld.Password);
        var now = await NowAsync();
        await App.InDatabaseAsync(async db =>
        {
            db.AuditEntries.Add(AuditEntry.For(AuditEventType.OrganizationSuspended, new Actor("x", "=HYPERLINK(\"http://evil\")", "y", "Bob Behind"),
                now, World.Top.Id, World.TopOrganization.Id, null, null));
            return await db.SaveChangesAsync();
        });

        using var csv = await owner.GetAsync("/audit/export.csv");
        var text = await csv.Content.ReadAsStringAsync();
        var tab = await owner.GetHtmlAsync($"/organizations/{World.TopOrganization.Id}/audit");

        csv.StatusCode.ShouldBe(HttpStatusCode.OK);
        csv.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        csv.Content.Headers.ContentDisposition!.FileName!.ShouldStartWith("custos-audit-");
        text.ShouldContain("Time (UTC),Event,Actor,Impersonator");
        text.ShouldContain("\"'=HYPERLINK(\"\"http://evil\"\")\"");
        text.ShouldContain(World.TopOrganization.PublicId);
        text.ShouldNotContain(World.OtherOrganization.PublicId);
        tab.ShouldContain("(as client, by Bob Behind)");
        tab.ShouldContain("<td>Organization created</td>");
    }

    // ---- helpers -----------------------------------------------------------------------------

    private Task<DateTimeOffset> NowAsync() => App.InScopeAsync(sp => Task.FromResult(sp.GetRequiredService<TimeProvider>().GetUtcNow()));

    private async Task<PortalSession> OperatorSessionAsync()
    {
        var email = await App.InScopeAsync(async sp =>
        {
            var address = $"operator.{Guid.NewGuid():N}@example.test";
            var user = new AppUser { UserName = address, Email = address, DisplayName = "Otto Operator", IsOperator = true };
            (await sp.GetRequiredService<UserManager<AppUser>>().CreateAsync(user, PortalWorld.Password)).Succeeded.ShouldBeTrue();
            return address;
        });
        return await PortalSession.SignInAsync(App, email, PortalWorld.Password);
    }

    private Task<Guid> NewOrgAsync(string tag) =>
        App.InScopeAsync(async sp =>
        {
            var created = await sp.GetRequiredService<ControlPlane.Organizations.CreateOrganization>().HandleAsync(
                new ControlPlane.Organizations.CreateOrganizationRequest(Scope.Everything, new Actor("tests", "Web tests"), World.Top.Id, World.Backup.Id,
                    new Domain.Organizations.NewOrganization(
                        new Domain.Organizations.PersonalInfo("Tia", "Transfer", $"{tag}.{Guid.NewGuid():N}@top.test", "DE", $"Transfer {tag}"), false, 5)),
                CancellationToken.None);
            created.Error.ShouldBeNull();
            return created.Value!.Id;
        });

    private Task<Transfer> RequestTransferAsync(Guid orgId) =>
        App.InScopeAsync(async sp =>
        {
            var requested = await sp.GetRequiredService<RequestTransfer>().HandleAsync(orgId, World.Other.PublicId.ToLowerInvariant(), new Actor("owner", "Tia Transfer"), CancellationToken.None);
            requested.Error.ShouldBeNull();
            return requested.Value!;
        });

    private Task<bool> MayTransferAsync(Guid partnerId) =>
        App.InDatabaseAsync(db => db.Partners.AsNoTracking().Where(p => p.Id == partnerId).Select(p => p.MayTransfer).SingleAsync());

    private Task<(Partner Distributor, Partner Child, string Owner, string ReadOnly)> DistributorAsync() =>
        App.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var now = sp.GetRequiredService<TimeProvider>().GetUtcNow();
            var distributor = Partner.Create("Dist " + Guid.NewGuid().ToString("N")[..6], "DE", null, isDistributor: true, now).Value!;
            var child = Partner.Create("Reseller " + Guid.NewGuid().ToString("N")[..6], "DE", distributor, isDistributor: false, now).Value!;
            db.Partners.AddRange(distributor, child);
            await db.SaveChangesAsync();
            var users = sp.GetRequiredService<UserManager<AppUser>>();
            var tag = Guid.NewGuid().ToString("N")[..8];
            var owner = $"owner.{tag}@dist.test";
            var readOnly = $"readonly.{tag}@dist.test";
            foreach (var (email, role) in new[] { (owner, PartnerRole.Owner), (readOnly, PartnerRole.ReadOnly) })
            {
                (await users.CreateAsync(new AppUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = email, PartnerId = distributor.Id, Role = role },
                    PortalWorld.Password)).Succeeded.ShouldBeTrue();
            }

            return (distributor, child, owner, readOnly);
        });
}
