using System.Net;
using Custos.ControlPlane.Entitlements;
using Custos.ControlPlane.Partners;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

using World = Custos.Web.Tests.Infrastructure.TabWorld;

namespace Custos.Web.Tests;

/// The Features tab (on its own host page) and the operator's Entitlements page over plain HTTP.
/// Every test makes a partner of its own, so grants never reach another test's organizations.
public abstract class FeaturesTabTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private const string Password = "Features-Tab-Password-1";

    private CustosApp App => fixture.App;


    [Fact]
    public async Task Tab_ShowsLockedGatedFeaturesArchiverOnlyAndTheAdGroupReason()
    {
        var world = await WorldAsync();
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);

        var html = await session.GetHtmlAsync(Path(world.Backup));

        var text = Html.Text(html);
        text.ShouldContain("Download size limit for PST exports");
        text.ShouldContain("Ask your provider to enable WORM storage");
        text.ShouldContain("Ask your provider to enable Data Protection Officer");
        text.ShouldContain("Not available on Backup plans: only Archiver plans have Compliance");
        text.ShouldContain(new AdGroupBackupNeedsMicrosoft365Admin().Message);
        html.ShouldContain("title=\"" + new AdGroupBackupNeedsMicrosoft365Admin().Message + "\"");
        html.ShouldContain("aria-describedby=\"feature-adgroupbackup-reason\"");
        Section(html, "adgroupbackup").ShouldContain("disabled");
        Section(html, "worm").ShouldNotContain("<button");
        Section(html, "insights").ShouldContain("Turn on");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("11")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("2.5")]
    public async Task DownloadLimit_OutOfRangeOrNotANumber_422WithFieldMessageAndNothingSaved(string typed)
    {
        var world = await WorldAsync();
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        var before = await OrgAsync(world.Backup);

        using var response = await session.PostFormAsync(Path(world.Backup), "download-limit", Limit(before.Version, typed));

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var html = await response.Content.ReadAsStringAsync();
        html.ShouldContain("id=\"download-limit-error\"");
        Html.Text(html).ShouldContain("whole number of GB from 1 to 10");
        html.ShouldContain("aria-invalid=\"true\"");
        var after = await OrgAsync(world.Backup);
        after.DownloadLimitGb.ShouldBe(1);
        after.Version.ShouldBe(before.Version);
    }

    [Fact]
    public async Task DownloadLimit_Valid_SavedAuditedAndShown()
    {
        var world = await WorldAsync();
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        var before = await OrgAsync(world.Backup);

        using var response = await session.PostFormAsync(Path(world.Backup), "download-limit", Limit(before.Version, " 7 "));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        Html.Text(await response.Content.ReadAsStringAsync()).ShouldContain("The download size limit is now 7 GB.");
        (await OrgAsync(world.Backup)).DownloadLimitGb.ShouldBe(7);
        (await AuditCountAsync(world.Backup, AuditEventType.OrganizationDownloadLimitChanged)).ShouldBe(1);
    }

    [Fact]
    public async Task LockedFeature_ForgedPost_403AndNothingSaved()
    {
        var world = await WorldAsync();
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        var before = await OrgAsync(world.Archiver);

        using var worm = await session.PostFormAsync(Path(world.Archiver), "feature-worm", Toggle(before.Version, true));
        using var chat = await session.PostFormAsync(Path(world.Archiver), "feature-privatechatbackup", Toggle(before.Version, true));

        worm.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        Html.Text(await worm.Content.ReadAsStringAsync()).ShouldContain("WORM storage is locked");
        chat.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var after = await OrgAsync(world.Archiver);
        after.WormEnabled.ShouldBeFalse();
        after.PrivateChatBackupEnabled.ShouldBeFalse();
        after.Version.ShouldBe(before.Version);
    }

    [Fact]
    public async Task ArchiverOnlyFeature_ForgedPostOnBackupPlan_422AndNothingSaved()
    {
        var world = await WorldAsync();
        await GrantAsync(OrganizationFeature.Compliance, world.Partner.PublicId, null);
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        var before = await OrgAsync(world.Backup);

        using var response = await session.PostFormAsync(Path(world.Backup), "feature-compliance", Toggle(before.Version, true));

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await OrgAsync(world.Backup)).ComplianceEnabled.ShouldBeFalse();
    }

    [Fact]
    public async Task WormOn_TurnsDpoOffAndDisablesItsToggle_DpoForgedOnIsRefused()
    {
        var world = await WorldAsync();
        var org = await OrgAsync(world.Backup);
        await GrantAsync(OrganizationFeature.Worm, null, org.PublicId);
        await GrantAsync(OrganizationFeature.DataProtectionOfficer, world.Partner.PublicId, null);
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);

        using var dpoOn = await session.PostFormAsync(Path(world.Backup), "feature-dataprotectionofficer", Toggle(org.Version, true));
        dpoOn.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await OrgAsync(world.Backup)).DpoEnabled.ShouldBeTrue();

        using var wormOn = await session.PostFormAsync(Path(world.Backup), "feature-worm", Toggle((await OrgAsync(world.Backup)).Version, true));

        wormOn.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await wormOn.Content.ReadAsStringAsync();
        Html.Text(html).ShouldContain("WORM storage is now on. The Data Protection Officer is off");
        var dpo = Section(html, "dataprotectionofficer");
        dpo.ShouldContain("data-state=\"off\"");
        dpo.ShouldContain("disabled");
        Html.Text(dpo).ShouldContain(new DpoLockedByWorm().Message);
        var after = await OrgAsync(world.Backup);
        after.WormEnabled.ShouldBeTrue();
        after.DpoEnabled.ShouldBeFalse();

        using var forged = await session.PostFormAsync(Path(world.Backup), "feature-dataprotectionofficer", Toggle(after.Version, true));

        forged.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await OrgAsync(world.Backup)).DpoEnabled.ShouldBeFalse();
        (await OrgAsync(world.Backup)).Version.ShouldBe(after.Version);
    }

    [Fact]
    public async Task StaleVersion_409ChangedMeanwhileShowsFreshStateAndSavesNothing()
    {
        var world = await WorldAsync();
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        var seen = (await OrgAsync(world.Backup)).Version;
        using (var first = await session.PostFormAsync(Path(world.Backup), "feature-insights", Toggle(seen, true)))
        {
            first.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        using var stale = await session.PostFormAsync(Path(world.Backup), "download-limit", Limit(seen, "5"));

        stale.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var html = await stale.Content.ReadAsStringAsync();
        Html.Text(html).ShouldContain("changed meanwhile; nothing was saved");
        Section(html, "insights").ShouldContain("data-state=\"on\"");
        (await OrgAsync(world.Backup)).DownloadLimitGb.ShouldBe(1);
    }

    [Fact]
    public async Task ReadOnlyUser_SeesStateWithoutControls_ForgedPost403()
    {
        var world = await WorldAsync();
        using var session = await PortalSession.SignInAsync(App, world.ReadOnly, Password);
        var before = await OrgAsync(world.Backup);

        var html = await session.GetHtmlAsync(Path(world.Backup));
        var token = PortalSession.Token(html);
        using var limit = await session.PostFormAsync(Path(world.Backup), "download-limit", Limit(before.Version, "5"), token);
        using var insights = await session.PostFormAsync(Path(world.Backup), "feature-insights", Toggle(before.Version, true), token);

        html.ShouldNotContain("Turn on");
        html.ShouldNotContain("id=\"download-limit\"");
        html.ShouldContain("data-download-limit");
        limit.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        insights.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var after = await OrgAsync(world.Backup);
        after.Version.ShouldBe(before.Version);
        after.InsightsEnabled.ShouldBeFalse();
    }

    [Fact]
    public async Task OrganizationOfAnotherPartner_Get404AndForgedPostRefused()
    {
        var world = await WorldAsync();
        var stranger = await WorldAsync();
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        var token = await session.TokenFromAsync(Path(world.Backup));
        var before = await OrgAsync(stranger.Backup);

        using var get = await session.GetAsync(Path(stranger.Backup));
        using var post = await session.PostFormAsync(Path(stranger.Backup), "feature-insights", Toggle(before.Version, true), token);

        get.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        Html.Text(await get.Content.ReadAsStringAsync()).ShouldNotContain(before.Name);
        // No form of the page answers for an organization it cannot see: refused exactly as for one that does not exist.
        post.StatusCode.ShouldBeOneOf(HttpStatusCode.NotFound, HttpStatusCode.BadRequest);
        Html.Text(await post.Content.ReadAsStringAsync()).ShouldNotContain(before.Name);
        (await OrgAsync(stranger.Backup)).InsightsEnabled.ShouldBeFalse();
    }

    [Fact]
    public async Task PostWithoutAntiforgeryToken_RefusedAndNothingSaved()
    {
        var world = await WorldAsync();
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        var before = await OrgAsync(world.Backup);

        using var response = await session.PostFormAsync(Path(world.Backup), "feature-insights", Toggle(before.Version, true), token: null);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await OrgAsync(world.Backup)).InsightsEnabled.ShouldBeFalse();
    }

    [Fact]
    public async Task EntitlementsPage_ForPartnerOwner_403AndForgedGrantCreatesNothing()
    {
        var world = await WorldAsync();
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        var token = await session.TokenFromAsync(Path(world.Backup));

        using var get = await session.GetAsync("/operator/entitlements");
        using var post = await session.PostFormAsync("/operator/entitlements", "grant", Grant("Worm", world.Partner.PublicId, null), token);

        get.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        post.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await App.InDatabaseAsync(db => db.FeatureEntitlements.CountAsync(g => g.PartnerId == world.Partner.Id))).ShouldBe(0);
    }

    [Fact]
    public async Task EntitlementsPage_OperatorGrantsValidatesAndRevokes_TabFollows()
    {
        var world = await WorldAsync();
        var op = await OperatorAsync();
        using var session = await PortalSession.SignInAsync(App, op, Password);
        (await session.GetHtmlAsync("/operator/entitlements")).ShouldContain("Enable a feature");
        using (var portal = await session.GetAsync("/organizations"))
        {
            // The operator has no partner portal; the refusal points to its console.
            portal.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            (await portal.Content.ReadAsStringAsync()).ShouldContain("href=\"/operator/entitlements\"");
        }

        using var unknown = await session.PostFormAsync("/operator/entitlements", "grant", Grant("Worm", "P-0000000", null));
        using var empty = await session.PostFormAsync("/operator/entitlements", "grant", Grant("", null, null));
        unknown.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var unknownHtml = await unknown.Content.ReadAsStringAsync();
        unknownHtml.ShouldContain("id=\"partnerId-error\"");
        Html.Text(unknownHtml).ShouldContain("No partner has the Partner ID P-0000000.");
        empty.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var emptyHtml = await empty.Content.ReadAsStringAsync();
        emptyHtml.ShouldContain("id=\"feature-error\"");
        emptyHtml.ShouldContain("id=\"partnerId-error\"");

        using var granted = await session.PostFormAsync("/operator/entitlements", "grant", Grant("Worm", world.Partner.PublicId.ToLowerInvariant(), null));

        granted.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await granted.Content.ReadAsStringAsync();
        Html.Text(html).ShouldContain($"WORM storage is now enabled for {world.Partner.Name} ({world.Partner.PublicId})");
        var grant = await App.InDatabaseAsync(db => db.FeatureEntitlements.AsNoTracking().SingleAsync(g => g.PartnerId == world.Partner.Id));
        (await App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.PartnerId == world.Partner.Id && a.EventType == AuditEventType.FeatureEntitlementGranted)))
            .ShouldBe(1);

        using (var owner = await PortalSession.SignInAsync(App, world.Owner, Password))
        {
            var tab = await owner.GetHtmlAsync(Path(world.Backup));
            Section(tab, "worm").ShouldContain("Turn on");
            Section(tab, "dataprotectionofficer").ShouldContain("Ask your provider");
        }

        using var revoked = await session.PostFormAsync("/operator/entitlements", $"revoke-{grant.Id:N}", []);

        revoked.StatusCode.ShouldBe(HttpStatusCode.OK);
        Html.Text(await revoked.Content.ReadAsStringAsync()).ShouldContain("is no longer enabled for");
        (await App.InDatabaseAsync(db => db.FeatureEntitlements.AnyAsync(g => g.Id == grant.Id))).ShouldBeFalse();
        (await App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.PartnerId == world.Partner.Id && a.EventType == AuditEventType.FeatureEntitlementRevoked)))
            .ShouldBe(1);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static string Path(Guid organizationId) => $"/organizations/{organizationId}/features";

    private static Dictionary<string, string?> Limit(int version, string gb) => new()
    {
        ["Limit.Version"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Limit.Gb"] = gb,
    };

    private static Dictionary<string, string?> Toggle(int version, bool enabled) => new()
    {
        ["Toggle.Version"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Toggle.Enabled"] = enabled ? "true" : "false",
    };

    private static Dictionary<string, string?> Grant(string feature, string? partnerId, string? organizationId) => new()
    {
        ["Input.Feature"] = feature,
        ["Input.PartnerId"] = partnerId,
        ["Input.OrganizationId"] = organizationId,
    };

    /// The list item of one feature on the tab.
    private static string Section(string html, string slug)
    {
        var start = html.IndexOf($"id=\"feature-{slug}\"", StringComparison.Ordinal);
        start.ShouldBeGreaterThan(0, $"feature {slug} is on the page");
        var end = html.IndexOf("</li>", start, StringComparison.Ordinal);
        return html[start..end];
    }

    private static string Unique() => Guid.NewGuid().ToString("N")[..10];

    private Task<Organization> OrgAsync(Guid id) =>
        App.InDatabaseAsync(db => db.Organizations.AsNoTracking().SingleAsync(o => o.Id == id));

    private Task<int> AuditCountAsync(Guid organizationId, AuditEventType type) =>
        App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.OrganizationId == organizationId && a.EventType == type));

    private Task<World> WorldAsync() => TabWorld.CreateAsync(App, "Features Partner", Password);

    private Task<string> OperatorAsync() =>
        App.InScopeAsync(async sp =>
        {
            var email = $"operator.{Unique()}@example.test";
            var user = new AppUser { UserName = email, Email = email, DisplayName = "Operator", IsOperator = true };
            (await sp.GetRequiredService<UserManager<AppUser>>().CreateAsync(user, Password)).Succeeded.ShouldBeTrue();
            return email;
        });

    /// A grant made straight through the use case by an operator of this test.
    private async Task GrantAsync(OrganizationFeature feature, string? partnerPublicId, string? organizationPublicId)
    {
        var email = await OperatorAsync();
        await App.InScopeAsync(async sp =>
        {
            var op = await sp.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email);
            var granted = await sp.GetRequiredService<GrantFeatureEntitlement>().HandleAsync(
                new GrantFeatureEntitlementRequest(new ActingUser(op!.Id, new Actor(op.Id.ToString(), "Operator")), feature.ToString(), partnerPublicId, organizationPublicId),
                CancellationToken.None);
            granted.Error.ShouldBeNull();
        });
    }
}

public sealed class FeaturesTabTests_Sqlite(SqliteHostFixture fixture) : FeaturesTabTests<SqliteHostFixture>(fixture);

public sealed class FeaturesTabTests_Postgres(PostgresHostFixture fixture) : FeaturesTabTests<PostgresHostFixture>(fixture);
