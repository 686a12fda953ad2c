using System.Net;
using System.Text.RegularExpressions;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Web.Tests.Api;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Custos.Web.Tests;

/// The API keys page over plain HTTP: owners create keys (shown once) and revoke them; Read-only
/// users neither see nor reach it.
public abstract partial class ApiKeysPageTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private CustosApp App => fixture.App;

    [Fact]
    public async Task CreateKey_ShowsItOnce_StoresOnlyItsHash_AndTheKeyWorks()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var session = await PortalSession.SignInAsync(App, world.OwnerEmail, ApiWorld.Password);

        using var created = await session.PostFormAsync("/settings/api-keys", "add-key", new Dictionary<string, string?>
        {
            ["Input.Name"] = "PSA sync",
            ["Input.Role"] = nameof(PartnerRole.ReadOnly),
        });

        created.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await created.Content.ReadAsStringAsync();
        var key = KeyPattern().Match(html).Groups[1].Value;
        key.ShouldStartWith("cpk_");
        Html.Text(html).ShouldContain("shown only this once");
        var row = await App.InDatabaseAsync(db => db.PartnerApiKeys.AsNoTracking().SingleAsync(k => k.PartnerId == world.Partner.Id && k.Name == "PSA sync"));
        row.Role.ShouldBe(PartnerRole.ReadOnly);
        row.SecretHash.ShouldNotBeNullOrEmpty();
        key.ShouldNotContain(row.SecretHash);
        (await App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.PartnerId == world.Partner.Id && a.EventType == AuditEventType.ApiKeyCreated)))
            .ShouldBe(3);

        // Reloading the page lists the key but never shows it again.
        var again = await session.GetHtmlAsync("/settings/api-keys");
        again.ShouldContain("PSA sync");
        again.ShouldNotContain(key);

        using var client = new ApiClient(App, key);
        using var used = await client.GetAsync("/api/v1/partners");
        used.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task CreateKey_WithoutNameOrAsAdministrator_Is422AndCreatesNothing()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var session = await PortalSession.SignInAsync(App, world.OwnerEmail, ApiWorld.Password);

        using var noName = await session.PostFormAsync("/settings/api-keys", "add-key", new Dictionary<string, string?>
        {
            ["Input.Name"] = " ",
            ["Input.Role"] = nameof(PartnerRole.FullAdministrator),
        });
        using var admin = await session.PostFormAsync("/settings/api-keys", "add-key", new Dictionary<string, string?>
        {
            ["Input.Name"] = "Admin key",
            ["Input.Role"] = nameof(PartnerRole.Administrator),
        });

        noName.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        Html.Text(await noName.Content.ReadAsStringAsync()).ShouldContain("Name is required.");
        admin.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        Html.Text(await admin.Content.ReadAsStringAsync()).ShouldContain("cannot have the Administrator role");
        (await App.InDatabaseAsync(db => db.PartnerApiKeys.CountAsync(k => k.PartnerId == world.Partner.Id))).ShouldBe(2);
    }

    [Fact]
    public async Task RevokeKey_AfterConfirmation_StopsTheKey()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var session = await PortalSession.SignInAsync(App, world.OwnerEmail, ApiWorld.Password);
        var page = await session.GetHtmlAsync("/settings/api-keys");
        page.ShouldContain("Yes, revoke Automation");

        using var revoked = await session.PostFormAsync("/settings/api-keys", $"revoke-{world.WriterKeyId:N}", []);

        revoked.StatusCode.ShouldBe(HttpStatusCode.OK);
        Html.Text(await revoked.Content.ReadAsStringAsync()).ShouldContain("was revoked");
        using var client = world.Writer(App);
        using var refused = await client.GetAsync("/api/v1/partners");
        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.PartnerId == world.Partner.Id && a.EventType == AuditEventType.ApiKeyRevoked)))
            .ShouldBe(1);
    }

    [Fact]
    public async Task ReadOnlyUser_NeitherSeesNorReachesThePage_AndForgedPostsAre403()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var session = await PortalSession.SignInAsync(App, world.ReadOnlyEmail, ApiWorld.Password);
        var token = await session.TokenFromAsync("/organizations");

        using var get = await session.GetAsync("/settings/api-keys");
        using var forged = await session.PostFormAsync("/settings/api-keys", "add-key", new Dictionary<string, string?>
        {
            ["Input.Name"] = "Forged",
            ["Input.Role"] = nameof(PartnerRole.Owner),
        }, token);

        get.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        Html.Text(await get.Content.ReadAsStringAsync()).ShouldNotContain("Automation");
        forged.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await session.GetHtmlAsync("/organizations")).ShouldNotContain("href=\"/settings/api-keys\"");
        (await App.InDatabaseAsync(db => db.PartnerApiKeys.CountAsync(k => k.PartnerId == world.Partner.Id))).ShouldBe(2);
    }

    [GeneratedRegex("id=\"new-key\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex KeyPattern();
}

public sealed class ApiKeysPageTests_Sqlite(SqliteHostFixture fixture) : ApiKeysPageTests<SqliteHostFixture>(fixture);
