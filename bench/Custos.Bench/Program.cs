using System.Net;
using System.Text.RegularExpressions;
using Custos.Bench;
using Custos.Data;
using Microsoft.AspNetCore.Identity;

// Usage:
//   Custos.Bench query <connection string> <organizations> <runs>   load, then time the page's query shapes (Markdown on stdout)
//   Custos.Bench load <connection string> <organizations>           load only (for the web host); prints the partner user's scope
//   Custos.Bench user <connection string> <email> <password> [near=N]  adds an Owner of the first distributor's first partner
//                                                                    (near=N: of the leaf partner with about N organizations)
//   Custos.Bench signin <base url> <email> <password>               signs in over HTTP and prints the Cookie header value
//   Custos.Bench apikey <connection string> <email> <name>           that user creates a Full administrator API key (CreateApiKey); prints the key
//   Custos.Bench export <connection string> <file> [runs]           the real CSV export of every partner's Active tab to a file, [runs] times (3)
//   Custos.Bench export-sql <connection string>                     that export's SELECT on one line (for psql \copy)
//   Custos.Bench connect <data dir> <imap host> <port> <user> <password> creates the database, an organization and connects
//                                                                    the mailbox (the set-up a backup needs, as `restic init`)
//   Custos.Bench backup <data dir> <imap host> <port> <user> <password> [--wait-for FILE [--restore-to DIR]]
//                                                                    one backup run of the mailbox (SQLite in the data dir); with
//                                                                    --wait-for a long-lived worker (see BackupBench.BackupAsync)
//   Custos.Bench restore <data dir> <output dir>                    every backed-up message to a file
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Custos.Bench query|load|user|apikey|signin|export|export-sql|connect|backup|restore ...");
    return 2;
}

switch (args[0])
{
    case "backup":
        return await BackupBench.BackupAsync(
            args[1], args[2], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), args[4], args[5],
            args.Length > 7 && args[6] == "--wait-for" ? args[7] : null,
            args.Length > 9 && args[8] == "--restore-to" ? args[9] : null);

    case "connect":
        return await BackupBench.ConnectAsync(
            args[1], args[2], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), args[4], args[5]);

    case "restore":
        return await BackupBench.RestoreAsync(args[1], args[2]);

    case "query":
        {
            var data = await Loader.LoadAsync(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), 20261122);
            var runs = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
            var table = await Measure.RunAsync(args[1], data, runs, warmup: Math.Max(5, runs / 10));
            Console.WriteLine(table);
            return 0;
        }

    case "load":
        await Loader.LoadAsync(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), 20261122);
        return 0;

    case "user":
        {
            await using var db = Contexts.Create(args[1]);
            var partner = db.Partners.Where(p => !p.IsDistributor && p.ParentId != null)
                .OrderBy(p => p.Path.Length).ThenBy(p => p.Path).First();
            if (args.Length > 4 && args[4].StartsWith("near=", StringComparison.Ordinal))
            {
                // The sub-partner whose own organization count is nearest the given one (ties by name):
                // the same shape of scope on every run, although IDs (and so paths) are new each time.
                var near = int.Parse(args[4]["near=".Length..], System.Globalization.CultureInfo.InvariantCulture);
                var id = db.Organizations.GroupBy(o => o.PartnerId).Select(g => new { PartnerId = g.Key, Count = g.Count() })
                    .Join(db.Partners.Where(p => !p.IsDistributor && p.ParentId != null && !db.Partners.Any(c => c.ParentId == p.Id)),
                        c => c.PartnerId, p => p.Id, (c, p) => new { c.PartnerId, c.Count, p.Name })
                    .AsEnumerable().OrderBy(c => Math.Abs(c.Count - near)).ThenBy(c => c.Name, StringComparer.Ordinal).First().PartnerId;
                partner = db.Partners.Single(p => p.Id == id);
            }

            var user = new AppUser
            {
                Id = Guid.CreateVersion7(),
                UserName = args[2],
                NormalizedUserName = args[2].ToUpperInvariant(),
                Email = args[2],
                NormalizedEmail = args[2].ToUpperInvariant(),
                EmailConfirmed = true,
                DisplayName = "Bench Owner",
                PartnerId = partner.Id,
                Role = PartnerRole.Owner,
                SecurityStamp = Guid.NewGuid().ToString("N"),
                ConcurrencyStamp = Guid.NewGuid().ToString(),
            };
            user.PasswordHash = new PasswordHasher<AppUser>().HashPassword(user, args[3]);
            db.Users.Add(user);
            await db.SaveChangesAsync();
            var orgs = db.Organizations.Count(o => db.Partners.Any(p => p.Id == o.PartnerId && p.Path.StartsWith(partner.Path)));
            Console.Error.WriteLine($"user {args[2]}: Owner of partner {partner.PublicId} ({orgs:N0} organizations in its subtree)");
            return 0;
        }

    case "export":
        return await Export.RunAsync(args[1], args[2], args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 3);

    case "export-sql":
        return Export.PrintSql(args[1]);

    case "apikey":
        {
            await using var db = Contexts.Create(args[1]);
            var user = db.Users.Single(u => u.NormalizedEmail == args[2].ToUpperInvariant());
            var acting = new Custos.ControlPlane.Partners.ActingUser(user.Id, new Custos.Domain.Audit.Actor(user.Id.ToString(), user.DisplayName));
            var issued = await new Custos.ControlPlane.ApiKeys.CreateApiKey(db, TimeProvider.System)
                .HandleAsync(new Custos.ControlPlane.ApiKeys.CreateApiKeyRequest(acting, args.Length > 3 ? args[3] : "bench", PartnerRole.FullAdministrator), CancellationToken.None);
            if (issued.Error is not null)
            {
                Console.Error.WriteLine($"API key refused: {issued.Error.Message}");
                return 1;
            }

            Console.WriteLine(issued.Value!.Key);
            return 0;
        }

    case "signin":
        {
            var cookies = new CookieContainer();
            using var handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
            using var http = new HttpClient(handler) { BaseAddress = new Uri(args[1]) };
            var form = await http.GetStringAsync(new Uri("/signin", UriKind.Relative));
            var token = Regex.Match(form, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
            if (token.Length == 0)
            {
                token = Regex.Match(form, "name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"").Groups[1].Value;
            }

            using var body = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "signin",
                ["__RequestVerificationToken"] = token,
                ["Input.Email"] = args[2],
                ["Input.Password"] = args[3],
            });
            using var response = await http.PostAsync(new Uri("/signin", UriKind.Relative), body);
            var all = cookies.GetCookies(new Uri(args[1]));
            if ((int)response.StatusCode != 302 || all.Count < 2)
            {
                Console.Error.WriteLine($"sign-in failed: {(int)response.StatusCode}");
                return 1;
            }

            Console.WriteLine(string.Join("; ", all.Select(c => $"{c.Name}={c.Value}")));
            return 0;
        }

    default:
        Console.Error.WriteLine($"unknown command {args[0]}");
        return 2;
}
