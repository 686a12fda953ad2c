using System.Net;
using Custos.Data;
using Custos.Web.Tests.Api;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.Web.Tests;

/// Stored and logical bytes, as the last backup run recorded them, wherever storage shows: the
/// Organizations page, the details' General tab, and the API's organization and list item.
public abstract class StorageUsageTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private CustosApp App => fixture.App;

    [Fact]
    public async Task StoredAndLogicalBytes_ShowOnThePage_TheDetails_AndTheApi()
    {
        var world = await ApiWorld.CreateAsync(App);
        await App.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var org = await db.Organizations.SingleAsync(o => o.Id == world.Organization);
            org.RecordUsage(2, 1_234_000_000, null, logicalBytes: 3_456_000_000);
            await db.SaveChangesAsync();
        });
        using var session = await PortalSession.SignInAsync(App, world.OwnerEmail, ApiWorld.Password);
        using var client = world.Reader(App);

        var list = await session.GetHtmlAsync("/organizations?q=" + Uri.EscapeDataString($"Own {world.Unique}"));
        var details = await session.GetHtmlAsync($"/organizations/{world.Organization}");
        using var one = await client.GetAsync($"/api/v1/organizations/{world.Organization}");
        using var page = await client.GetAsync($"/api/v1/organizations?search=Own%20{world.Unique}");

        Html.Text(list).ShouldContain("1.2 GB stored of 3.5 GB");
        details.ShouldContain("id=\"storage-used\">1.2 GB stored of 3.5 GB</dd>");
        var resource = await one.JsonAsync(HttpStatusCode.OK);
        resource.GetProperty("storageUsedBytes").GetInt64().ShouldBe(1_234_000_000);
        resource.GetProperty("storageLogicalBytes").GetInt64().ShouldBe(3_456_000_000);
        var item = (await page.JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().ShouldHaveSingleItem();
        item.GetProperty("storageUsedBytes").GetInt64().ShouldBe(1_234_000_000);
        item.GetProperty("storageLogicalBytes").GetInt64().ShouldBe(3_456_000_000);
    }

    [Fact]
    public async Task BeforeAnyBackup_BothFiguresAreZero()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var session = await PortalSession.SignInAsync(App, world.OwnerEmail, ApiWorld.Password);
        using var client = world.Reader(App);

        var details = await session.GetHtmlAsync($"/organizations/{world.Organization}");
        using var one = await client.GetAsync($"/api/v1/organizations/{world.Organization}");

        details.ShouldContain("id=\"storage-used\">0 B stored of 0 B</dd>");
        (await one.JsonAsync(HttpStatusCode.OK)).GetProperty("storageLogicalBytes").GetInt64().ShouldBe(0);
    }
}

public sealed class StorageUsageTests_Sqlite(SqliteHostFixture fixture) : StorageUsageTests<SqliteHostFixture>(fixture);

public sealed class StorageUsageTests_Postgres(PostgresHostFixture fixture) : StorageUsageTests<PostgresHostFixture>(fixture);
