"""``--dry-run`` output of the heron CLI STAND-IN (tests only), in Heron's four formats (``--dry-run-format``):
raw (the packing plans' Java toString), table and colored_table (one table per container; for an update each
container marked UNAFFECTED, MODIFIED, NEW or REMOVED, with resource changes in percent) and json.

Heron iterates hash sets and maps here, so its order of containers and instances is a hash order; the stand-in
sorts containers by id and instances by task id."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

FORMATS = ("raw", "table", "colored_table", "json")
KB, MB, GB = 1024, 1024 ** 2, 1024 ** 3
RESET, RED, GREEN, BOLD = "\u001b[0m", "\u001b[31m", "\u001b[32m", "\u001b[1m"
STRIKE = "\u0336"  # combining long stroke overlay, after each character
COLORS = {"red": RED, "green": GREEN}
TITLES = ("component", "task ID", "CPU", "RAM (MB)", "disk (MB)")


def java_round(value: float) -> int:
    return math.floor(value + 0.5)


def java_double(value: float) -> str:
    return repr(float(value))


def megabytes(amount: int) -> int:
    return java_round(amount / MB)


# --- raw: Java's toString of PackingPlan, ContainerPlan, InstancePlan, Resource and ByteAmount ----------------
def byte_amount(amount: int) -> str:
    if java_round(amount / GB) > 0:
        text = f"{amount / GB:.1f} GB ({amount} bytes)"
    elif java_round(amount / MB) > 0:
        text = f"{amount / MB:.1f} MB ({amount} bytes)"
    elif java_round(amount / KB) > 0:
        text = f"{amount / KB:.1f} KB ({amount} bytes)"
    else:
        text = f"{amount} bytes"
    return f"ByteAmount{{{text}}}"


def resource_text(resource) -> str:
    return f"{{cpu: {resource.cpu:f}, ram: {byte_amount(resource.ram)}, disk: {byte_amount(resource.disk)}}}"


def instances(container) -> list:
    return sorted(container.instance_plans, key=lambda instance: instance.task_id)


def containers(plan) -> list:
    return sorted(plan.container_plans, key=lambda container: container.id)


def plan_text(plan) -> str:
    listed = []
    for container in containers(plan):
        members = ", ".join(
            f"{{component-name: {i.component_name}, task-id: {i.task_id}, component-index: {i.component_index}, "
            f"instance-resource: {resource_text(i.resource)}}}" for i in instances(container))
        text = f"{{container-id: {container.id}, instances-list: [{members}], required-resource: " \
               f"{resource_text(container.requiredResource)}"
        if container.HasField("scheduledResource"):
            text += f", scheduled-resource: {resource_text(container.scheduledResource)}"
        listed.append(text + "}")
    return f"{{plan-id: {plan.id}, containers-list: [{', '.join(listed)}]}}"


# --- json: Jackson's compact output -------------------------------------------------------------------------
def plan_json(topology: str, packing_class: str, plan) -> str:
    def resources(resource) -> dict:
        return {"cpu": float(resource.cpu), "ram": resource.ram, "disk": resource.disk}

    document = {"packingClass": packing_class, "topology": topology, "containers": [
        {"id": container.id, "resources": resources(container.requiredResource),
         "components": [{"component": i.component_name, "id": i.task_id, "index": i.component_index,
                         "resources": resources(i.resource)} for i in instances(container)]}
        for container in containers(plan)]}
    return json.dumps(document, separators=(",", ":"))


# --- tables --------------------------------------------------------------------------------------------------
@dataclass
class Cell:
    text: str
    color: str | None = None  # red, green
    style: str | None = None  # bold, strike

    def render(self, rich: bool, width: int = 0) -> str:
        text = self.text.rjust(width)
        if not rich:
            return text
        if self.style == "bold":
            text = BOLD + text
        elif self.style == "strike":
            text = "".join(character + STRIKE for character in text)
        if self.color:
            text = COLORS[self.color] + text
        return text + RESET if self.style or self.color else text


def table(rows: list[list[Cell]], rich: bool) -> str:
    title = [Cell(name, style="bold") for name in TITLES]
    widths = [max(len(row[column].text) for row in [title, *rows]) for column in range(len(TITLES))]
    frame = sum(width + 3 for width in widths) + 1

    def line(row: list[Cell]) -> str:
        return "| " + " | ".join(cell.render(rich, width) for cell, width in zip(row, widths)) + " |"

    return "".join(text + "\n" for text in ["=" * frame, line(title), "-" * frame, *map(line, rows), "=" * frame])


def instance_row(instance, color: str | None = None, style: str | None = None) -> list[Cell]:
    values = (instance.component_name, str(instance.task_id), java_double(instance.resource.cpu),
              str(megabytes(instance.resource.ram)), str(megabytes(instance.resource.disk)))
    return [Cell(value, color, style) for value in values]


def usage(resource) -> str:
    return f"CPU: {java_double(resource.cpu)}, RAM: {megabytes(resource.ram)} MB, " \
           f"Disk: {megabytes(resource.disk)} MB"


def percent_change(old: float, new: float, rich: bool) -> str:
    if old == new:
        return ""
    change = (new - old) / old * 100.0 if old else math.inf
    sign, color = ("+", "green") if change > 0 else ("", "red")
    number = "Infinity" if math.isinf(change) else f"{change:.2f}"
    return f" ({Cell(f'{sign}{number}%', color).render(rich)})"


def usage_change(old, new, rich: bool) -> str:
    cpu = f"CPU: {java_double(new.cpu)}{percent_change(old.cpu, new.cpu, rich)}"
    ram = f"RAM: {megabytes(new.ram)} MB{percent_change(megabytes(old.ram), megabytes(new.ram), rich)}"
    disk = f"Disk: {megabytes(new.disk)} MB{percent_change(megabytes(old.disk), megabytes(new.disk), rich)}"
    return ", ".join((cpu, ram, disk))


def container_name(container_id: int, rich: bool) -> str:
    return Cell(f"Container {container_id}", style="bold").render(rich)


def submit_table(packing_class: str, plan, rich: bool) -> str:
    blocks = [f"{container_name(c.id, rich)}\n{usage(c.requiredResource)}\n"
              + table([instance_row(i) for i in instances(c)], rich) for c in containers(plan)]
    return f"Total number of containers: {len(plan.container_plans)}\n" \
           f"Using packing class: {packing_class}\n" + "\n".join(blocks)


def instance_key(instance) -> tuple:
    resource = instance.resource
    return instance.component_name, instance.task_id, instance.component_index, resource.cpu, resource.ram, \
        resource.disk


def same_container(old, new) -> bool:
    return {instance_key(i) for i in old.instance_plans} == {instance_key(i) for i in new.instance_plans} and \
        old.requiredResource.SerializeToString() == new.requiredResource.SerializeToString()


def container_change(container_id: int, old, new, rich: bool) -> str:
    header = f"{container_name(container_id, rich)} "
    if old is not None and new is not None and same_container(old, new):
        return header + "UNAFFECTED\n" + f"{usage(new.requiredResource)}\n" + \
            table([instance_row(i) for i in instances(new)], rich)
    if old is not None and new is not None:
        old_keys = {instance_key(i) for i in old.instance_plans}
        new_keys = {instance_key(i) for i in new.instance_plans}
        rows = [instance_row(i) for i in instances(new) if instance_key(i) in old_keys]
        rows += [instance_row(i, "green") for i in instances(new) if instance_key(i) not in old_keys]
        rows += [instance_row(i, "red", "strike") for i in instances(old) if instance_key(i) not in new_keys]
        return header + Cell("MODIFIED").render(rich) + "\n" + \
            usage_change(old.requiredResource, new.requiredResource, rich) + "\n" + table(rows, rich)
    if old is not None:
        return header + Cell("REMOVED", "red").render(rich) + "\n" + f"{usage(old.requiredResource)}\n" + \
            table([instance_row(i, "red", "strike") for i in instances(old)], rich)
    return header + Cell("NEW", "green").render(rich) + "\n" + f"{usage(new.requiredResource)}\n" + \
        table([instance_row(i, "green") for i in instances(new)], rich)


def update_table(repacking_class: str, new_plan, old_plan, rich: bool) -> str:
    old = {c.id: c for c in old_plan.container_plans}
    new = {c.id: c for c in new_plan.container_plans}
    blocks = [container_change(i, old.get(i), new.get(i), rich) for i in sorted(set(old) | set(new))]
    return f"Total number of containers: {len(new_plan.container_plans)}\n" \
           f"Using repacking class: {repacking_class}\n" + "\n".join(blocks)


# --- the two responses -----------------------------------------------------------------------------------------
def submit(output_format: str, topology: str, packing_class: str, plan) -> str:
    if output_format == "raw":
        return f"Packing class: {packing_class}\nTopology: {topology}\nPacking plan:\n{plan_text(plan)}"
    if output_format == "json":
        return plan_json(topology, packing_class, plan)
    return submit_table(packing_class, plan, rich=output_format == "colored_table")


def update(output_format: str, topology: str, packing_class: str, repacking_class: str, new_plan, old_plan) -> str:
    if output_format == "raw":
        return f"Packing class: {packing_class}\nTopology: {topology}\nNew packing plan:\n{plan_text(new_plan)}\n" \
               f"Old packing plan:\n{plan_text(old_plan)}\n"
    if output_format == "json":
        return f"New packing plan:\n{plan_json(topology, packing_class, new_plan)}\n" \
               f"Old packing plan:\n{plan_json(topology, packing_class, old_plan)}\n"
    return update_table(repacking_class, new_plan, old_plan, rich=output_format == "colored_table")


def emit(text: str) -> None:
    """As Heron's CLI prints the Java side's response: on stdout, with one trailing newline."""
    print(text[:-1] if text.endswith("\n") else text)
