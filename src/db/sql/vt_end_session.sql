-- Ends a session of the caller's household (of p_only_profile alone for a kids device), once:
-- the first call credits the stretch since the last beat and sets ended_at; later calls return
-- the same answer and credit nothing (one statement, idempotent).
create or replace function vt_end_session(p_session uuid, p_user uuid, p_only_profile uuid, p_now timestamptz)
returns table (session_id uuid, profile_id uuid, ended_at timestamptz, end_reason text, total_seconds integer)
language plpgsql
as $function$
#variable_conflict use_column
declare
  s_profile uuid;
  s_last timestamptz;
  s_paused timestamptz;
  s_edu boolean;
  s_ended timestamptz;
  v_kids boolean;
  v_balance uuid;
begin
  select v.profile_id, v.last_heartbeat_at, v.paused_at, v.is_educational, v.ended_at, p.is_kids
    into s_profile, s_last, s_paused, s_edu, s_ended, v_kids
    from viewing_sessions v join profiles p on p.id = v.profile_id
   where v.id = p_session and p.user_id = p_user and (p_only_profile is null or v.profile_id = p_only_profile)
   for update of v;
  if not found then
    return;
  end if;
  if s_ended is null then
    select d.id into v_balance from vt_day_of(s_profile, p_now) d;
    perform vt_close_session(p_session, s_profile, s_last, s_paused, s_edu, v_kids, v_balance, p_now, 'ended');
  end if;
  return query select v.id, v.profile_id, v.ended_at, v.end_reason::text, v.total_seconds from viewing_sessions v where v.id = p_session;
end
$function$;
