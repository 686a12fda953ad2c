using Custos.Domain;

namespace Custos.ControlPlane.Partners;

public sealed record UserManagementNotAllowed()
    : Error("not_allowed", "Only owners and full administrators can manage users and groups.");

public sealed record OwnerRoleReserved()
    : Error("owner_role_reserved", "Only an owner can make someone an owner, or change or remove an owner.")
{
    public override string? Field => "role";
}

public sealed record LastOwner()
    : Error("last_owner", "A partner needs at least one owner: make another user an owner first.");

public sealed record CannotRemoveYourself()
    : Error("cannot_remove_yourself", "You cannot remove yourself; ask another owner or full administrator.");

public sealed record UserEmailTaken()
    : Error("user_email_taken", "This email address already belongs to a user.")
{
    public override string? Field => "email";
}

public sealed record GroupNameTaken()
    : Error("group_name_taken", "Your partner already has a group with this name.")
{
    public override string? Field => "name";
}

public sealed record UsersChangedMeanwhile()
    : Error("changed_meanwhile", "Someone else changed these users or groups meanwhile; reload the page and try again.");
