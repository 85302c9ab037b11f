// Row selection for bulk actions: checkboxes named "selected" inside `list`, a select-all box and a
// count; `onChange` hears the selected ids.
export function selection(list, { selectAll, count, onChange = () => {} }) {
  const boxes = () => [...list.querySelectorAll('input[name="selected"]')];
  const ids = () => boxes().filter((box) => box.checked).map((box) => Number(box.value));
  const sync = () => {
    const chosen = ids();
    if (count) count.textContent = `${chosen.length} selected`;
    if (selectAll) {
      selectAll.checked = chosen.length > 0 && chosen.length === boxes().length;
      selectAll.indeterminate = chosen.length > 0 && chosen.length < boxes().length;
    }
    onChange(chosen);
  };
  list.addEventListener("change", (event) => {
    if (event.target.name === "selected") sync();
  });
  if (selectAll) {
    selectAll.addEventListener("change", () => {
      boxes().forEach((box) => {
        box.checked = selectAll.checked;
      });
      sync();
    });
  }
  sync();
  return { ids, clear: () => { boxes().forEach((box) => { box.checked = false; }); sync(); } };
}
