using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Custos.Web.Tests;

public sealed class ScratchBrowser(ITestOutputHelper output)
{
    [Fact]
    public async Task Probe()
    {
        using var data = new TempFolder("browser");
        await using var app = await CustosApp.StartAsync(new CustosAppOptions(data.Path) { Environment = "Development", Settings = new Dictionary<string, string?> { ["Custos:SeedDemo"] = "false" } });
        await PortalWorld.SeedAsync(app);
        var fixture = new { App = app };
        using var pw = await Playwright.CreateAsync();
        await using var browser = await pw.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
        var page = await browser.NewPageAsync(new() { BaseURL = fixture.App.Address.ToString() });
        page.Console += (_, m) => output.WriteLine("console: " + m.Text);
        page.PageError += (_, e) => output.WriteLine("pageerror: " + e);
        await page.GotoAsync("/signin");
        await page.GetByLabel("Email").FillAsync(PortalWorld.TopOwner);
        await page.GetByLabel("Password").FillAsync(PortalWorld.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync("**/organizations");
        page.RequestFailed += (_, r) => output.WriteLine("failed: " + r.Url);
        page.Response += (_, r) => { if (r.Status >= 400) output.WriteLine($"status {r.Status}: {r.Url}"); };
        await page.GotoAsync("/organizations/new");
        var content = await page.ContentAsync();
        foreach (var line in content.Split('\n').Where(l => l.Contains("<form") || l.Contains("<script") || l.Contains("template"))) output.WriteLine("html: " + line.Trim());
        async Task Dump(string when)
        {
            var vis = new List<string>();
            foreach (var l in new[] { "Organization name", "Auto license", "Number of seats", "Send sign in" })
                vis.Add($"{l}={await page.GetByLabel(l, new() { Exact = true }).IsVisibleAsync()}");
            var plans = await page.Locator("#plan option").AllInnerTextsAsync();
            output.WriteLine($"{when}: country={await page.GetByLabel("Country").InputValueAsync()} plans=[{string.Join(", ", plans)}] {string.Join(" ", vis)} hint={await page.Locator("#plan-hint").InnerTextAsync()}");
        }
        await Dump("initial");
        await page.GetByLabel("Plan").SelectOptionAsync(new SelectOptionValue { Label = "Personal Mail" });
        await Dump("personal");
        output.WriteLine("eval: " + await page.EvaluateAsync<string>("() => { const f = document.querySelector('[data-field=organizationName]'); return 'hidden=' + f.hidden + ' display=' + getComputedStyle(f).display + ' planvalue=' + document.querySelector('#plan').value + ' type=' + document.querySelector('#plan').selectedOptions[0].dataset.type; }"));
        await page.GetByLabel("Plan").SelectOptionAsync(new SelectOptionValue { Label = "Backup Standard" });
        await page.GetByLabel("Auto license").CheckAsync();
        await Dump("backup+auto");
        var quiet = await page.GetByRole(AriaRole.Option, new() { Name = "Quiet Partner" }).GetAttributeAsync("value");
        await page.GetByLabel("Partner").SelectOptionAsync(quiet!);
        await Dump("quiet");
        await page.GetByLabel("Country").SelectOptionAsync("FR");
        var sub = await page.GetByRole(AriaRole.Option, new() { Name = "Sub Partner" }).GetAttributeAsync("value");
        await page.GetByLabel("Partner").SelectOptionAsync(sub!);
        await Dump("sub, country chosen by hand");
        output.WriteLine(string.Join(" | ", await page.Locator("#partner option").AllInnerTextsAsync()));
        await page.GetByLabel("First name").FillAsync("Ada");
        await page.GetByLabel("Last name").FillAsync("Lovelace");
        await page.GetByLabel("Email").FillAsync("ada.browser@example.test");
        await page.GetByLabel("Plan").SelectOptionAsync(new SelectOptionValue { Label = "Archiver Complete" });
        await page.GetByLabel("Organization name").FillAsync("Engines Browser Ltd");
        await page.GetByLabel("Auto license").UncheckAsync();
        await page.GetByLabel("Number of seats").FillAsync("12");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create organization" }).ClickAsync();
        await page.WaitForURLAsync("**/organizations/*?created=1");
        output.WriteLine(await page.Locator("main").InnerTextAsync());
        await page.ScreenshotAsync(new() { Path = "/tmp/neworg-details.png", FullPage = true });
        await page.GotoAsync("/organizations/new");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create organization" }).ClickAsync();
        await page.ScreenshotAsync(new() { Path = "/tmp/neworg-errors.png", FullPage = true });
    }
}
