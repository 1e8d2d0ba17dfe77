-- A parent's pause (p_pause) or its lift (not p_pause) for one kids profile of the household
-- (p_profile), or for every kids profile of it (p_profile null), in one statement: the open pause of
-- each is closed (one still running ends now, one that ran out at its own end), a pause writes a new
-- span from p_now to p_ends (null: until lifted), and each change writes its live event `pause`
-- (action paused, or lifted for a pause that was running). The profiles are locked in id order
-- first (FOR NO KEY UPDATE: heartbeats starting sessions are not held up), so two changes of one
-- profile follow each other. Answers one row per profile paused, or lifted; or a single row with
-- outcome no_profile (not this household's) or adult (adults cannot be paused).
create or replace function vt_pause(p_user uuid, p_profile uuid, p_now timestamptz, p_pause boolean, p_ends timestamptz)
returns table (outcome text, profile_id uuid, paused_at timestamptz, paused_until timestamptz)
language plpgsql
as $function$
#variable_conflict use_column
declare
  v_targets uuid[];
  v_kids boolean;
  v_lifted uuid[];
begin
  if p_profile is not null then
    select p.is_kids into v_kids from profiles p where p.id = p_profile and p.user_id = p_user for no key update;
    if not found then
      outcome := 'no_profile'; return next; return;
    elsif not v_kids then
      outcome := 'adult'; return next; return;
    end if;
    v_targets := array[p_profile];
  else
    select coalesce(array_agg(t.id), '{}') into v_targets
      from (select p.id from profiles p where p.user_id = p_user and p.is_kids order by p.id for no key update) t;
  end if;

  with closed as (
    update family_rule_spans s set closed_at = case when s.ends_at <= p_now then s.ends_at else greatest(p_now, s.started_at) end
     where s.profile_id = any(v_targets) and s.kind = 'pause' and s.closed_at is null
    returning s.profile_id, s.ends_at is null or s.ends_at > p_now as running)
  select coalesce(array_agg(c.profile_id order by c.profile_id) filter (where c.running), '{}') into v_lifted from closed c;

  if p_pause then
    insert into family_rule_spans (id, profile_id, kind, started_at, ends_at, set_by_id)
    select gen_random_uuid(), t, 'pause', p_now, p_ends, p_user from unnest(v_targets) t;
    perform vt_emit(array_fill(p_user, array[cardinality(v_targets)]), v_targets, array_fill('pause'::text, array[cardinality(v_targets)]),
                    array(select jsonb_build_object('action', 'paused', 'profile_id', t, 'paused_at', p_now, 'paused_until', p_ends) from unnest(v_targets) t));
    return query select 'paused'::text, t, p_now, p_ends from unnest(v_targets) t;
  else
    perform vt_emit(array_fill(p_user, array[cardinality(v_lifted)]), v_lifted, array_fill('pause'::text, array[cardinality(v_lifted)]),
                    array(select jsonb_build_object('action', 'lifted', 'profile_id', t, 'lifted_at', p_now) from unnest(v_lifted) t));
    return query select 'lifted'::text, t, null::timestamptz, null::timestamptz from unnest(v_lifted) t;
  end if;
end
$function$;
