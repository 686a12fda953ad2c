using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Custos.Web.Hosting;

/// What a person starting Custos needs to see: where it listens and, on the first run of a demo,
/// the generated credentials (stored only hashed, so printed this once).
public static class StartupBanner
{
    public static void PrintAddresses(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            Console.WriteLine($"Custos is listening on {address} (health: {address.TrimEnd('/')}/healthz)");
        }
    }

    public static void Print(WebApplication app, IReadOnlyList<DemoAccount> accounts)
    {
        Console.WriteLine();
        Console.WriteLine("Demo data created. Sign-in accounts (shown only now; the passwords are stored hashed):");
        foreach (var a in accounts)
        {
            Console.WriteLine($"  {a.Role,-14} {a.Email,-28} {a.Password}");
        }

        Console.WriteLine("Partner users and the operator sign in at /signin; the customer signs in to the customer portal at /portal/signin.");
        Console.WriteLine($"Delete {app.Configuration["Custos:DataPath"] ?? "data"}/ to start over with new demo data.");
        Console.WriteLine();
    }
}
