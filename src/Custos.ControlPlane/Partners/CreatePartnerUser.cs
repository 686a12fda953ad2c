using System.Security.Cryptography;
using Custos.ControlPlane.Mail;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Partners;

public sealed record CreatePartnerUserRequest(ActingUser Acting, string? Email, string? DisplayName, PartnerRole? Role);

/// <see cref="SetPasswordToken"/> is the invitation token (7 days): the new user chooses a password
/// with it, through <see cref="InvitationLink"/>. It is stored nowhere but in the invitation mail, so
/// the page can show it only once.
public sealed record CreatedPartnerUser(
    Guid UserId, string Email, string DisplayName, PartnerRole Role, string SetPasswordToken, Uri InvitationLink, TimeSpan ValidFor);

/// Adds a user to the acting partner, without a password, and the invitation mail in the same
/// SaveChanges. Email addresses are unique across the platform (they are the sign-in names);
/// Identity's own user checks run before anything is saved.
public sealed class CreatePartnerUser(AppDbContext db, UserManager<AppUser> users, TimeProvider clock, Outbox outbox)
{
    public async Task<Result<CreatedPartnerUser>> HandleAsync(CreatePartnerUserRequest request, CancellationToken ct)
    {
        var acting = await PartnerAdministration.AdminAsync(db, request.Acting, ct);
        if (acting.Error is not null)
        {
            return acting.Error;
        }

        var admin = acting.Value!;
        var valid = PartnerUserRules.ValidateNewUser(request.Email, request.DisplayName, request.Role);
        if (valid.Error is not null)
        {
            return valid.Error;
        }

        var (email, name, role) = valid.Value;
        if (PartnerUserRules.MayGrant(admin.Role, role) is { } refused)
        {
            return refused;
        }

        var now = clock.GetUtcNow();
        var user = new AppUser
        {
            Id = Guid.CreateVersion7(now),
            UserName = email,
            NormalizedUserName = users.NormalizeName(email),
            Email = email,
            NormalizedEmail = users.NormalizeEmail(email),
            DisplayName = name,
            PartnerId = admin.PartnerId,
            Role = role,
            SecurityStamp = Convert.ToHexString(RandomNumberGenerator.GetBytes(20)),
            LockoutEnabled = users.Options.Lockout.AllowedForNewUsers,
        };

        var taken = await db.Users.AnyAsync(u => u.NormalizedEmail == user.NormalizedEmail || u.NormalizedUserName == user.NormalizedUserName, ct);
        if (taken)
        {
            return new UserEmailTaken();
        }

        foreach (var validator in users.UserValidators)
        {
            var check = await validator.ValidateAsync(users, user);
            if (!check.Succeeded)
            {
                return Refusal(check.Errors);
            }
        }

        // The token needs only the user's id and security stamp, so the mail is written with the user.
        var token = await PasswordLinkTokens.InvitationTokenAsync(users, user);
        var link = PartnerUserMail.PasswordLink(outbox.Addresses, email, token);
        var inviter = await db.Users.AsNoTracking().Where(u => u.Id == admin.UserId).Select(u => u.DisplayName).SingleAsync(ct);
        var partnerName = await db.Partners.AsNoTracking().Where(p => p.Id == admin.PartnerId).Select(p => p.Name).SingleAsync(ct);
        outbox.Add(
            PartnerUserMail.Invitation(email, name, partnerName, inviter, link, PasswordLinkTokens.InvitationLifetime),
            PartnerUserMail.InvitationKind, admin.PartnerId);

        db.Users.Add(user);
        db.AuditEntries.Add(PartnerAdministration.Audit(AuditEventType.PartnerUserCreated, admin, now, null, PartnerAdministration.Snapshot(user)));
        var saved = await PartnerAdministration.SaveAsync(db, ct);
        if (saved.Error is not null)
        {
            return saved.Error;
        }

        return new CreatedPartnerUser(user.Id, email, name, role, token, link, PasswordLinkTokens.InvitationLifetime);
    }

    private static Error Refusal(IEnumerable<IdentityError> errors)
    {
        var codes = errors.Select(e => e.Code).ToList();
        if (codes.Contains(nameof(IdentityErrorDescriber.DuplicateEmail)) || codes.Contains(nameof(IdentityErrorDescriber.DuplicateUserName)))
        {
            return new UserEmailTaken();
        }

        return new ValidationFailed("email", "This email address cannot be a sign-in name: use letters, digits and - . _ @ + only.");
    }
}
