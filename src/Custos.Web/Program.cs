using Custos.ControlPlane;
using Custos.ControlPlane.Exports;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.DataPlane;
using Custos.DataPlane.Backup;
using Custos.DataPlane.Connectors.Imap;
using Custos.DataPlane.Storage;
using Custos.Domain.Organizations;
using Custos.Web.Api;
using Custos.Web.Components;
using Custos.Web.Components.Account;
using Custos.Web.Components.CustomerPortal;
using Custos.Web.Components.Portal.Audit;
using Custos.Web.Components.Portal.Organizations;
using Custos.Web.Components.Portal.Organizations.Backups;
using Custos.Web.Components.Portal.Organizations.Exports;
using Custos.Web.Hosting;
using Custos.Web.Hosting.Mail;
using Microsoft.AspNetCore.DataProtection;
using Quartz;

var builder = WebApplication.CreateBuilder(args);

var options = builder.Configuration.GetSection("Custos").Get<CustosOptions>() ?? new CustosOptions();
var dataPath = Path.GetFullPath(options.DataPath, builder.Environment.ContentRootPath);
Directory.CreateDirectory(dataPath);

builder.Services.AddSingleton(options);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddCustosData(builder.Configuration, dataPath);
builder.Services.AddSingleton<IJournalAddressGenerator>(new RandomJournalAddresses(options.JournalDomain));
builder.Services.AddSingleton(options.Webhooks.Resolve(builder.Environment.IsDevelopment()));
builder.Services.AddControlPlane();
builder.Services.AddCustosStorage(options.Storage.Resolve(dataPath));
builder.Services.AddDataPlane(
    builder.Configuration.GetSection("Custos:Imap").Get<ImapOptions>() ?? new ImapOptions(),
    builder.Configuration.GetSection("Custos:Backup").Get<BackupRunOptions>() ?? new BackupRunOptions());
builder.Services.AddSingleton(new ExportFolder(Path.Combine(dataPath, "exports")));
builder.Services.AddCustosMail(options, dataPath);
builder.Services.AddScoped<DemoSeeder>();
builder.Services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataPath, "keys")));

builder.Services.AddCustosAuth();
builder.Services.AddCustosApi(builder.Configuration);
builder.Services.AddCustomerAuth();

var health = builder.Services.AddHealthChecks().AddDbContextCheck<AppDbContext>("database");
if (options.Scheduler.Enabled)
{
    builder.AddCustosScheduler(options, Path.Combine(dataPath, "custos.db"));
    health.AddQuartz(o => o.Name = "scheduler");
    builder.Services.AddHostedService<BackupScheduleStartup>();
}

builder.Services.AddSingleton<BackupSchedules>();

// The Organizations page keeps its search, filters and page cursor in the address; a long search
// must reach the page (which answers it with a message), not stop at Kestrel's 8 KB request line.
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestLineSize = 64 * 1024);
builder.Services.AddRazorComponents();

var app = builder.Build();

await using (var scope = app.Services.CreateAsyncScope())
{
    var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
    await db.Database.ApplyPendingMigrationsAsync();
    if (app.Environment.IsDevelopment() && options.SeedDemo)
    {
        var accounts = await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedIfEmptyAsync(CancellationToken.None);
        if (accounts.Count > 0)
        {
            app.Lifetime.ApplicationStarted.Register(() => StartupBanner.Print(app, accounts));
        }
    }
}

app.Lifetime.ApplicationStarted.Register(() => StartupBanner.PrintAddresses(app));

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/error", createScopeForErrors: true);
    app.UseHsts();
}

app.UseStatusCodePagesWithReExecute("/not-found");
app.UseCustosApiPipeline();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.UseAntiforgery();
app.MapStaticAssets();
app.MapHealthChecks("/healthz", HealthReporting.Options);
app.MapAccountEndpoints();
app.MapCustomerEndpoints();
app.MapPurgeCertificates();
app.MapBackupDownloads();
app.MapExportEndpoints();
app.MapAuditEndpoints();
app.MapCustosApi();
app.MapRazorComponents<App>();

await app.RunAsync();

/// Lets the test host reference the entry point.
public partial class Program;
