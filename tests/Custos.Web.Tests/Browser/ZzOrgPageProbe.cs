using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Custos.Web.Tests.Browser;

public sealed class ZzOrgPageProbe(OrganizationsBrowserFixture fixture, ITestOutputHelper output) : IClassFixture<OrganizationsBrowserFixture>
{
    [Fact]
    public async Task Probe()
    {
        await using var browser = await fixture.SignInAsync(PortalWorld.TopOwner, PortalWorld.Password);
        var page = browser.Page;
        page.PageError += (_, e) => output.WriteLine($"pageerror: {e}");
        page.FrameNavigated += (_, f) => output.WriteLine($"NAV {f.Url}");
        async Task Pick(string label)
        {
            await page.GetByLabel("Plan", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = label });
            await page.WaitForTimeoutAsync(1500);
            output.WriteLine($"after {label}: {page.Url}");
        }

        await Pick("Archiver");
        await Pick("Personal");
        await browser.FollowAsync(browser.Tab("Suspended"));
        output.WriteLine("tab: " + page.Url);
        await Pick("Archiver");
        await page.ReloadAsync();
        await Pick("All");
    }
}
