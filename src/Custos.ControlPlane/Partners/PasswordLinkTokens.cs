using Custos.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Custos.ControlPlane.Partners;

/// The tokens in partner users' "choose a password" links. A reset link lives 1 hour
/// (DataProtectionTokenProviderOptions.TokenLifespan); an invitation lives 7 days. Both open the same
/// page and both die when the password is set (the security stamp changes), so they work once.
public static class PasswordLinkTokens
{
    /// The provider that makes invitation tokens.
    public const string InvitationProvider = "Invitation";

    /// The provider Identity's password reset uses: it accepts reset and invitation tokens alike.
    public const string PasswordLinkProvider = "PasswordLink";

    public static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(7);

    public static IdentityBuilder AddPasswordLinkTokens(this IdentityBuilder builder)
    {
        builder.AddTokenProvider<InvitationTokenProvider>(InvitationProvider);
        builder.AddTokenProvider<PasswordLinkTokenProvider>(PasswordLinkProvider);
        builder.Services.Configure<IdentityOptions>(o => o.Tokens.PasswordResetTokenProvider = PasswordLinkProvider);
        return builder;
    }

    /// A token for <paramref name="user"/>'s invitation link (7 days); the user need not be saved yet.
    public static Task<string> InvitationTokenAsync(UserManager<AppUser> users, AppUser user) =>
        users.GenerateUserTokenAsync(user, InvitationProvider, UserManager<AppUser>.ResetPasswordTokenPurpose);
}

public sealed class InvitationTokenProviderOptions : DataProtectionTokenProviderOptions
{
    public InvitationTokenProviderOptions()
    {
        Name = PasswordLinkTokens.InvitationProvider;
        TokenLifespan = PasswordLinkTokens.InvitationLifetime;
    }
}

/// Identity's data-protection tokens under their own protector and a 7-day lifetime.
public sealed class InvitationTokenProvider(
    IDataProtectionProvider protection, IOptions<InvitationTokenProviderOptions> options, ILogger<DataProtectorTokenProvider<AppUser>> log)
    : DataProtectorTokenProvider<AppUser>(protection, options, log);

/// Makes 1-hour reset tokens; accepts those and 7-day invitation tokens.
public sealed class PasswordLinkTokenProvider(DataProtectorTokenProvider<AppUser> reset, InvitationTokenProvider invitation)
    : IUserTwoFactorTokenProvider<AppUser>
{
    public Task<string> GenerateAsync(string purpose, UserManager<AppUser> manager, AppUser user) => reset.GenerateAsync(purpose, manager, user);

    public async Task<bool> ValidateAsync(string purpose, string token, UserManager<AppUser> manager, AppUser user) =>
        await reset.ValidateAsync(purpose, token, manager, user) || await invitation.ValidateAsync(purpose, token, manager, user);

    public Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<AppUser> manager, AppUser user) => Task.FromResult(false);
}
