@echo on
@echo quiet
echo loud
