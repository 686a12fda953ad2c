using System.Security.Cryptography;
using System.Text;
using Custos.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;

namespace Custos.Web.Hosting;

/// Identity's EF user store, except that two-factor recovery codes are kept as SHA-256 hashes:
/// they are shown to the person once and a copy of the database must not reveal them. The codes
/// are random (about 50 bits), so an unsalted hash is enough.
public sealed class CustosUserStore(AppDbContext context, IdentityErrorDescriber? describer = null)
    : UserOnlyStore<AppUser, AppDbContext, Guid>(context, describer)
{
    // The names Identity's own store uses, so CountCodesAsync keeps working unchanged.
    private const string InternalLoginProvider = "[AspNetUserStore]";
    private const string RecoveryCodeTokenName = "RecoveryCodes";

    public override Task ReplaceCodesAsync(AppUser user, IEnumerable<string> recoveryCodes, CancellationToken cancellationToken) =>
        base.ReplaceCodesAsync(user, recoveryCodes.Select(HashRecoveryCode), cancellationToken);

    public override async Task<bool> RedeemCodeAsync(AppUser user, string code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(code);
        var stored = await GetTokenAsync(user, InternalLoginProvider, RecoveryCodeTokenName, cancellationToken) ?? "";
        var hashes = stored.Split(';', StringSplitOptions.RemoveEmptyEntries);
        var given = Encoding.ASCII.GetBytes(HashRecoveryCode(code));
        var match = hashes.FirstOrDefault(h => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(h), given));
        if (match is null)
        {
            return false;
        }

        // Saved by the caller's UpdateAsync, which checks the user's concurrency stamp: of two
        // requests redeeming the same code at once, one fails.
        await SetTokenAsync(user, InternalLoginProvider, RecoveryCodeTokenName, string.Join(';', hashes.Where(h => h != match)), cancellationToken);
        return true;
    }

    /// Spaces, dashes and letter case do not matter when a person types a code back.
    internal static string HashRecoveryCode(string code)
    {
        var normalized = new string([.. code.Where(c => c is not ('-' or ' ' or '\t')).Select(char.ToUpperInvariant)]);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(normalized)));
    }
}
