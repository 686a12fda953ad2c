

using Xunit.Abstractions;

namespace Custos.Web.Tests.Browser;

public sealed class ZzProbe(SqlitePortalWorldBrowserFixture fixture, ITestOutputHelper output) : IClassFixture<SqlitePortalWorldBrowserFixture>
{
    [Fact]
    public async Task Probe()
    {
        await using var browser = await fixture.SignInAsync(Custos.Web.Tests.PortalWorld.TopOwner, Custos.Web.Tests.PortalWorld.Password);
        browser.Page.Console += (_, m) => output.WriteLine($"console {m.Type}: {m.Text}");
        browser.Page.PageError += (_, e) => output.WriteLine($"pageerror: {e}");
        browser.Page.Response += (_, r) => output.WriteLine($"response {r.Status} {r.Url}");
        await browser.GoAsync("/organizations/new");
        await browser.Page.WaitForTimeoutAsync(1000);
        output.WriteLine(await browser.Page.ContentAsync());
    }
}
